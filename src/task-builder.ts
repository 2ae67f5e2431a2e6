import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  DEFAULT_CATCH_UP_WINDOW_MS,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  type CatchUpPolicy,
  type ConcurrencyPolicy,
  type FireContext,
  type ParamList,
  type ScriptType,
  type TaskSpec,
} from "./config/model.js";
import { parseDuration } from "./config/duration.js";
import { checkTemplate } from "./config/templates.js";
import { isValidTimezone, systemTimezone } from "./config/zoned-time.js";
import { checkCronExpression, isReboot } from "./schedule/cron.js";

/** Durations as in the YAML: "30s", "1h30m", or a number of seconds. */
export type Duration = string | number;
export type ParamValues = Record<string, string | number | boolean>;

/** The task fields of `orchestration.yaml`, in camelCase. */
export interface TaskOptions {
  name?: string;
  description?: string;
  timezone?: string;
  timeout?: Duration;
  killGrace?: Duration;
  retries?: number;
  retryDelay?: Duration;
  retryMaxDelay?: Duration;
  concurrency?: ConcurrencyPolicy;
  catchUp?: CatchUpPolicy;
  catchUpWindow?: Duration;
  jitter?: Duration;
  env?: Record<string, string>;
  /** Working directory; relative script paths resolve against it too (default: process.cwd()). */
  cwd?: string;
}

const SCRIPT_TYPES: ScriptType[] = ["bash", "python", "sh", "node"];

/**
 * A task added in code (seed 003's `add_task`): the same TaskSpec a config file produces, built
 * step by step. Mistakes throw at once, with the same words `orchestrate validate` uses.
 */
export class TaskBuilder {
  constructor(readonly spec: TaskSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** Runs `path` with `--key value` arguments, after the scripts added before it. */
  addScript(path: string, params: ParamValues = {}): this {
    this.scripts().scripts.push({ path: this.resolveScript(path), displayPath: path, params: toParamList(params) });
    return this;
  }

  /** Runs `path` once per parameter set. */
  addRepeat(path: string, paramSets: ParamValues[]): this {
    if (!Array.isArray(paramSets)) throw new TypeError("addRepeat takes a list of parameter sets");
    this.scripts().repeat.push({ path: this.resolveScript(path), displayPath: path, paramSets: paramSets.map(toParamList), paramsFrom: null });
    return this;
  }

  /** A fire for which `predicate` returns (or resolves to) true is recorded as skipped. */
  addSkip(predicate: (context: FireContext) => boolean | Promise<boolean>, description?: string): this {
    this.spec.skip.push({ kind: "predicate", describe: description ?? (predicate.name ? `skip predicate ${predicate.name}` : "a skip predicate"), test: predicate });
    return this;
  }

  private scripts() {
    if (this.spec.action.kind !== "scripts") throw new Error(`task ${this.name} has no scripts action`);
    return this.spec.action;
  }

  private resolveScript(path: string): string {
    const absolute = resolve(this.spec.cwd, path);
    if (!existsSync(absolute)) throw new Error(`task ${this.name}: script ${path} does not exist (looked at ${absolute})`);
    return absolute;
  }
}

export function buildTask(cron: string, scriptType: ScriptType, options: TaskOptions, fallbackName: string): TaskSpec {
  const name = options.name ?? fallbackName;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`task name "${name}" must match [A-Za-z0-9][A-Za-z0-9_.-]*`);
  if (!SCRIPT_TYPES.includes(scriptType)) throw new Error(`task ${name}: script type "${scriptType}" is not one of ${SCRIPT_TYPES.join(", ")}`);
  const timezone = options.timezone ?? systemTimezone();
  if (!isValidTimezone(timezone)) throw new Error(`task ${name}: unknown timezone "${timezone}"`);
  const cronProblem = checkCronExpression(cron, timezone);
  if (cronProblem) throw new Error(`task ${name}: cron "${cron}": ${cronProblem}`);

  const duration = (field: string, value: Duration | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === null) throw new Error(`task ${name}: ${field} "${value}" is not a duration like 30s, 5m, 1h30m or a number of seconds`);
    return ms;
  };
  const timeoutMs = options.timeout === undefined ? null : duration("timeout", options.timeout, 0) || null;
  return {
    name,
    description: options.description ?? null,
    trigger: isReboot(cron) ? { kind: "reboot" } : { kind: "cron", expression: cron },
    timezone,
    type: scriptType,
    action: { kind: "scripts", scripts: [], repeat: [] },
    skip: [],
    timeoutMs,
    killGraceMs: duration("killGrace", options.killGrace, DEFAULT_KILL_GRACE_MS),
    retries: options.retries ?? 0,
    retryDelayMs: duration("retryDelay", options.retryDelay, DEFAULT_RETRY_DELAY_MS),
    retryMaxDelayMs: duration("retryMaxDelay", options.retryMaxDelay, DEFAULT_RETRY_MAX_DELAY_MS),
    concurrency: options.concurrency ?? "forbid",
    catchUp: options.catchUp ?? "none",
    catchUpWindowMs: duration("catchUpWindow", options.catchUpWindow, DEFAULT_CATCH_UP_WINDOW_MS),
    jitterMs: duration("jitter", options.jitter, 0),
    deadlineMs: null,
    env: options.env ?? {},
    cwd: resolve(options.cwd ?? process.cwd()),
  };
}

function toParamList(params: ParamValues): ParamList {
  return Object.entries(params).map(([key, value]) => {
    const text = String(value);
    const problems = checkTemplate(text);
    if (problems.length > 0) throw new Error(`parameter ${key}: ${problems.join("; ")}`);
    return [key, text];
  });
}
