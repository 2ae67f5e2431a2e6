/**
 * `skip:` conditions, judged at each fire (SPEC §3): the first that holds makes the run a
 * recorded skip, with its reason in words. A condition that cannot be judged (a skip command
 * that does not start, a predicate that throws) does not skip: running a task by mistake is
 * visible and recoverable, silently not running it is neither. Its error is returned so the
 * engine can log it.
 */
import { stat } from "node:fs/promises";
import type { FireContext, SkipRule } from "../config/model.js";
import { zonedParts } from "../time/zones.js";
import { formatDuration } from "../time/duration.js";
import { describeFailure } from "./describe-failure.js";
import { commandInvocation } from "./invocation.js";
import type { Executor } from "./executor.js";

export interface SkipContext extends FireContext {
  cwd: string;
  /** The task's environment (environment.ts), which a skip command runs with. */
  env: Record<string, string>;
  /** The account a skip command runs as (`user:`). */
  account?: { uid: number; gid: number } | null;
  executor: Executor;
}

export interface SkipEvaluation {
  /** Why the fire is skipped; null: it runs. */
  reason: string | null;
  /** Conditions that could not be judged and were taken as false. */
  errors: string[];
}

export const SKIP_COMMAND_TIMEOUT_MS = 30_000;
const SKIP_COMMAND_KILL_GRACE_MS = 2_000;

type Verdict = { skip: string } | { error: string } | null;

export async function evaluateSkips(rules: SkipRule[], ctx: SkipContext): Promise<SkipEvaluation> {
  const errors: string[] = [];
  for (const rule of rules) {
    const verdict = await judge(rule, ctx);
    if (verdict && "skip" in verdict) return { reason: verdict.skip, errors };
    if (verdict) errors.push(verdict.error);
  }
  return { reason: null, errors };
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/**
 * The rules that depend on the calendar alone (weekdays, dates), judged for a fire that has not
 * happened yet: `status`, `next` and `simulate` mark the fires these will skip. The others (a
 * command, a file, a variable, a predicate) can only be judged when the fire comes.
 */
export function skippedAhead(rules: SkipRule[], scheduledAt: Date, timezone: string): string | null {
  for (const rule of rules) {
    const verdict = judgeCalendar(rule, { scheduledAt, timezone });
    if (verdict) return verdict.skip;
  }
  return null;
}

function judgeCalendar(rule: SkipRule, ctx: Pick<SkipContext, "scheduledAt" | "timezone">): { skip: string } | null {
  if (rule.kind === "weekdays") {
    const day = weekdayIn(ctx);
    return rule.days.includes(day) ? { skip: `it is ${WEEKDAYS[day]} (skip.weekdays)` } : null;
  }
  if (rule.kind === "dates") {
    const date = dateIn(ctx);
    const range = rule.ranges.find(({ from, to }) => from <= date && date <= to);
    if (!range) return null;
    const written = range.from === range.to ? range.from : `${range.from}..${range.to}`;
    return { skip: `${date} is in skip.dates (${written})` };
  }
  return null;
}

async function judge(rule: SkipRule, ctx: SkipContext): Promise<Verdict> {
  switch (rule.kind) {
    case "weekdays":
    case "dates":
      return judgeCalendar(rule, ctx);
    case "command":
      return judgeCommand(rule.command, ctx);
    case "file_exists":
      return judgeFileExists(rule.path);
    case "env": {
      const value = ctx.env[rule.name];
      return value !== undefined && value !== "" ? { skip: `environment variable ${rule.name} is set (skip.env)` } : null;
    }
    case "predicate":
      try {
        const fire: FireContext = { task: ctx.task, scheduledAt: ctx.scheduledAt, timezone: ctx.timezone };
        return (await rule.test(fire)) ? { skip: rule.describe } : null;
      } catch (error) {
        return { error: `skip predicate "${rule.describe}" threw: ${messageOf(error)}; not skipped` };
      }
  }
}

/** The weekday (0 = Sunday) on the task's wall clock at the scheduled time, not the daemon's. */
function weekdayIn(ctx: Pick<SkipContext, "scheduledAt" | "timezone">): number {
  const short = zonedParts(ctx.scheduledAt, ctx.timezone).weekday;
  return WEEKDAYS.findIndex((name) => name.startsWith(short));
}

/** yyyy-MM-dd on the task's wall clock; compares as a string like the configured dates. */
function dateIn(ctx: Pick<SkipContext, "scheduledAt" | "timezone">): string {
  const { year, month, day } = zonedParts(ctx.scheduledAt, ctx.timezone);
  return `${year}-${month}-${day}`;
}

async function judgeCommand(command: string, ctx: SkipContext): Promise<Verdict> {
  const { command: file, args, fallback } = commandInvocation(command);
  const outcome = await ctx.executor.start({
    command: file,
    args,
    fallback,
    cwd: ctx.cwd,
    env: ctx.env,
    account: ctx.account,
    timeoutMs: SKIP_COMMAND_TIMEOUT_MS,
    killGraceMs: SKIP_COMMAND_KILL_GRACE_MS,
    outputLimitBytes: 2048,
  }).done;
  if (outcome.exitCode === 0 && !outcome.timedOut) return { skip: `skip.command "${command}" exited 0` };
  // A non-zero exit is the command's normal "no"; anything else means it could not answer.
  if (outcome.exitCode !== null && !outcome.timedOut) return null;
  const failure = outcome.timedOut
    ? `timed out after ${formatDuration(SKIP_COMMAND_TIMEOUT_MS)}`
    : describeFailure(outcome, SKIP_COMMAND_TIMEOUT_MS);
  return { error: `skip.command "${command}" ${failure}; not skipped` };
}

async function judgeFileExists(path: string): Promise<Verdict> {
  try {
    await stat(path);
    return { skip: `file ${path} exists (skip.file_exists)` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    return { error: `skip.file_exists could not check ${path}: ${messageOf(error)}; not skipped` };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
