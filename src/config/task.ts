/** One task, from its raw settings (defaults applied) to the TaskSpec the engine runs. */
import { resolve } from "node:path";
import { readAction, scalarText } from "./action.js";
import { requirePath, type ReadContext } from "./context.js";
import { parseDuration } from "../time/duration.js";
import {
  type Action,
  DEFAULT_CATCH_UP_WINDOW_MS,
  DEFAULT_HTTP_RETRIES,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  type TaskSpec,
} from "./model.js";
import { readNotify } from "./notify.js";
import { readSkipRule } from "./skip.js";
import type { TaskFields } from "./task-fields.js";
import { checkJitter, readTrigger } from "./trigger.js";
import { systemTimezone } from "../time/zones.js";
import { canRunAs, currentAccount, lookupAccount } from "./account.js";
import type { Account } from "./model.js";

/** `action`, when given, replaces the one the fields would describe (a one-off's URL, a task built in code). */
export function readTask(fields: TaskFields, ctx: ReadContext, action: Action = readAction(fields, ctx)): TaskSpec {
  const v = fields.values;
  const timezone = v.timezone ?? systemTimezone();
  const cwd = resolve(ctx.dir, v.cwd ?? ".");
  if (v.cwd !== undefined) requirePath(ctx, fields.pathOf("cwd"), cwd, "folder", "cwd folder");
  const ms = (value: string | number | undefined, fallback: number) => (value === undefined ? fallback : parseDuration(value)!);
  // 0 switches a limit off, so a task can opt out of a timeout or deadline set in defaults.
  const limit = (value: string | number | undefined) => (value === undefined ? null : parseDuration(value) || null);
  const trigger = readTrigger(fields, timezone, ctx);
  checkJitter(trigger, timezone, fields, ctx);
  return {
    name: fields.name,
    description: v.description ?? null,
    trigger,
    timezone,
    type: v.type ?? "bash",
    action,
    skip: (v.skip ?? []).map((rule) => readSkipRule(rule, ctx)),
    timeoutMs: limit(v.timeout),
    killGraceMs: ms(v.kill_grace, DEFAULT_KILL_GRACE_MS),
    retries: v.retries ?? (action.kind === "http" ? DEFAULT_HTTP_RETRIES : 0),
    retryDelayMs: ms(v.retry_delay, DEFAULT_RETRY_DELAY_MS),
    retryMaxDelayMs: ms(v.retry_max_delay, DEFAULT_RETRY_MAX_DELAY_MS),
    concurrency: v.concurrency ?? "forbid",
    catchUp: v.catch_up ?? "none",
    catchUpWindowMs: ms(v.catch_up_window, DEFAULT_CATCH_UP_WINDOW_MS),
    jitterMs: ms(v.jitter, 0),
    deadlineMs: limit(v.deadline),
    env: Object.fromEntries(Object.entries(v.env ?? {}).map(([name, value]) => [name, scalarText(value, fields.pathOfEnv(name), ctx)])),
    envFile: readEnvFile(fields, ctx),
    account: readAccount(fields, ctx),
    cwd,
    notify: readNotify(v.notify, fields.pathOf("notify"), ctx, "job"),
    nodes: v.nodes ?? null,
  };
}

/** `env_file:`, relative to the config's folder; it must exist when files are checked (it is read at each run). */
function readEnvFile(fields: TaskFields, ctx: ReadContext): string | null {
  const file = fields.values.env_file;
  if (file === undefined) return null;
  const absolute = resolve(ctx.dir, file);
  requirePath(ctx, fields.pathOf("env_file"), absolute, "file", "env_file");
  return absolute;
}

/** `user:`/`group:` as an account of this machine; one this process cannot run as is a problem where it will run tasks. */
function readAccount(fields: TaskFields, ctx: ReadContext): Account | null {
  const { user, group } = fields.values;
  if (user === undefined) {
    if (group !== undefined) ctx.problems.at(fields.pathOf("group"), "group: needs user: (the account whose processes run in that group)");
    return null;
  }
  const account = lookupAccount(user, group);
  if (typeof account === "string") {
    ctx.problems.at(fields.pathOf(account.startsWith("there is no group") ? "group" : "user"), account);
    return null;
  }
  if (ctx.runsTasks && !canRunAs(account)) {
    ctx.problems.at(
      fields.pathOf("user"),
      `running as ${account.user} needs orchestrate to run as root, and it runs as ${currentAccount()}: start it as root (e.g. from a system unit), or remove user:`,
    );
  }
  return account;
}
