import { resolve } from "node:path";
import type { ConcurrencyPolicy, CatchUpPolicy, FireContext, ParamList, ScriptType, TaskSpec } from "./config/model.js";
import { taskFromValues, TaskValuesError } from "./config/normalize.js";
import { checkTemplate } from "./config/templates.js";
import { requireFile } from "./config/context.js";

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

/** How the library's option names read in messages, where they differ from the YAML keys. */
const LABELS: Record<string, string> = {
  type: "script type",
  kill_grace: "killGrace",
  retry_delay: "retryDelay",
  retry_max_delay: "retryMaxDelay",
  catch_up: "catchUp",
  catch_up_window: "catchUpWindow",
};

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
    this.scripts().scripts.push({ path: this.resolveScript(path), displayPath: path, params: toParamList(params), templated: true });
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
    const problem = requireFile(absolute, "file", "script");
    if (problem) throw new TaskValuesError(this.name, [problem]);
    return absolute;
  }
}

/** A task from `addTask(cron, scriptType, options)`, by the normalizer every task goes through. */
export function buildTask(cron: string, scriptType: ScriptType, options: TaskOptions, fallbackName: string): TaskSpec {
  const name = options.name ?? fallbackName;
  const values = {
    cron,
    type: scriptType,
    description: options.description,
    timezone: options.timezone,
    timeout: options.timeout,
    kill_grace: options.killGrace,
    retries: options.retries,
    retry_delay: options.retryDelay,
    retry_max_delay: options.retryMaxDelay,
    concurrency: options.concurrency,
    catch_up: options.catchUp,
    catch_up_window: options.catchUpWindow,
    jitter: options.jitter,
    env: options.env,
  };
  const defined = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
  // Scripts, repeats and skip predicates are added to the task after it is made.
  const action = { kind: "scripts" as const, scripts: [], repeat: [] };
  return taskFromValues(name, defined, { dir: resolve(options.cwd ?? process.cwd()), action, labels: LABELS });
}

function toParamList(params: ParamValues): ParamList {
  return Object.entries(params).map(([key, value]) => {
    const text = String(value);
    const problems = checkTemplate(text);
    if (problems.length > 0) throw new Error(`parameter ${key}: ${problems.join("; ")}`);
    return [key, text];
  });
}
