/**
 * The configuration as the engine sees it: validated, defaults applied, durations in milliseconds,
 * paths absolute. `loadConfig` turns `orchestration.yaml` into this; the library API builds it
 * directly. Nothing downstream of config/ ever sees raw YAML.
 */

import type { CatchUpPolicy, Trigger } from "../schedule/types.js";
import type { NotifyEvent, RawTask } from "./schema.js";

export type { CatchUpPolicy, Trigger };

export type ScriptType = "bash" | "python" | "sh" | "node";

/** Parameters in the order they were written: order is part of the argv contract (SPEC §4). */
export type ParamList = Array<[key: string, value: string]>;

export interface ScriptSpec {
  /** Absolute path of the script. */
  path: string;
  /** The path as the user wrote it, for logs and errors. */
  displayPath: string;
  params: ParamList;
  /** Whether values may hold `{{ template }}` expressions, expanded per invocation; values given on a command line are data. */
  templated: boolean;
}

export interface RepeatSpec {
  path: string;
  displayPath: string;
  /** Fixed parameter sets, one invocation each. */
  paramSets: ParamList[] | null;
  /** Absolute path of a program (run with the task's interpreter) whose stdout is a JSON array of parameter sets. */
  paramsFrom: string | null;
}

export type SkipRule =
  | { kind: "weekdays"; days: number[] /* 0 = Sunday … 6 = Saturday, in the task's timezone */ }
  | { kind: "dates"; ranges: Array<{ from: string; to: string }> /* yyyy-MM-dd, inclusive, task's timezone */ }
  | { kind: "command"; command: string /* bash -c; exit 0 => skip */ }
  | { kind: "file_exists"; path: string /* absolute */ }
  | { kind: "env"; name: string /* set and non-empty => skip */ }
  | { kind: "predicate"; describe: string; test: (ctx: FireContext) => boolean | Promise<boolean> };

export interface FireContext {
  task: string;
  scheduledAt: Date;
  timezone: string;
}

export interface HttpSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  /** Accepted statuses: classes like "2xx" or exact codes. */
  expect: string[];
}

/**
 * A workflow step written in JavaScript (the library's `addStep(name, async (inputs) => ...)`): it
 * gets the outputs of the steps before it, by step name, and returns its own.
 */
export type StepFunction = (
  inputs: Record<string, Record<string, string>>,
  context: { signal: AbortSignal; runId: number; attempt: number },
) => unknown | Promise<unknown>;

export type Action =
  | { kind: "scripts"; scripts: ScriptSpec[]; repeat: RepeatSpec[] }
  | { kind: "command"; command: string }
  | { kind: "http"; http: HttpSpec }
  | { kind: "function"; name: string; run: StepFunction };

export type ConcurrencyPolicy = "forbid" | "allow" | "replace" | "queue";

export type { NotifyEvent };

/** Where run events are sent (SPEC §3 `notify:`): a webhook, a command, or a dead man's switch. */
export type NotifySpec =
  | {
      kind: "webhook";
      url: string;
      /** null: every event. */
      events: NotifyEvent[] | null;
      /** The environment variable holding the HMAC secret; null: unsigned. */
      secretEnv: string | null;
      headers: Record<string, string>;
      timeoutMs: number;
    }
  | { kind: "command"; command: string; events: NotifyEvent[] | null; timeoutMs: number; cwd: string }
  | { kind: "heartbeat"; url: string; everyMs: number; timeoutMs: number };

/** The REST API, metrics, event stream and dashboard (SPEC §3 `api:`). */
export interface ApiSpec {
  host: string;
  port: number;
  /** The environment variable holding the bearer token; null: no token (loopback only). */
  tokenEnv: string | null;
}

/** What tasks and workflows have alike: a name, a trigger, and how their fires become runs. */
export interface JobSpec {
  name: string;
  description: string | null;
  /** null: manual only. */
  trigger: Trigger | null;
  /** IANA zone, always resolved (the system zone when not configured). */
  timezone: string;
  skip: SkipRule[];
  /** How long a run's processes get between SIGTERM and SIGKILL when it is stopped. */
  killGraceMs: number;
  concurrency: ConcurrencyPolicy;
  catchUp: CatchUpPolicy;
  catchUpWindowMs: number;
  jitterMs: number;
  deadlineMs: number | null;
  env: Record<string, string>;
  /** `env_file:` (absolute): dotenv lines read at each run, under `env`. */
  envFile: string | null;
  /** `user:`/`group:`: the account its processes run as; null: the daemon's own. */
  account: Account | null;
  /** Absolute working directory. */
  cwd: string;
  /** Destinations for this job's events, besides the config's `notify:`. */
  notify: NotifySpec[];
  /** `nodes:`: only daemons with one of these labels fire it; null: any. */
  nodes: string[] | null;
}

/** An account of this machine, as `getent passwd` (and `getent group`) gave it when the config was read. */
export interface Account {
  user: string;
  uid: number;
  /** The `group:` asked for, or the user's primary group. */
  group: string;
  gid: number;
  home: string;
  shell: string;
}

export interface TaskSpec extends JobSpec {
  type: ScriptType;
  action: Action;
  timeoutMs: number | null;
  retries: number;
  retryDelayMs: number;
  retryMaxDelayMs: number;
}

export interface StepSpec {
  name: string;
  /** The step as a task — action, retries, timeout, env, cwd, skip — made by the same normaliser. */
  task: TaskSpec;
  /** The steps that must have succeeded (or been skipped by their own skip conditions) first. */
  dependsOn: string[];
  /** Runs when the workflow fails after this step succeeded: in reverse order of completion. */
  rollback: TaskSpec | null;
}

/** A DAG of steps (SPEC §3 `workflows:`), run as one run whose record lists every step. */
export interface WorkflowSpec extends JobSpec {
  /** At most this many steps at once; null: every step that is ready. */
  maxParallel: number | null;
  /** In the order written. */
  steps: StepSpec[];
}

export function isWorkflow(job: TaskSpec | WorkflowSpec): job is WorkflowSpec {
  return "steps" in job;
}

export interface HistorySpec {
  keepRuns: number;
  keepDays: number;
  outputLimitBytes: number;
}

export interface OrchestrationConfig {
  /** Absolute path of the config file, or null when built in code. */
  file: string | null;
  /** Folder that relative paths are resolved against. */
  dir: string;
  /** SQLite file path (absolute) or a postgres:// URL. */
  state: string;
  tasks: TaskSpec[];
  workflows: WorkflowSpec[];
  /** Where every run's events go (a task's own `notify:` adds to these). */
  notify: NotifySpec[];
  api: ApiSpec | null;
  /** The valid `defaults:` as written, for tasks made later from the same config (one-off runs). */
  defaults: RawTask | null;
  history: HistorySpec;
}

export const DEFAULT_KILL_GRACE_MS = 10_000;
export const DEFAULT_RETRY_DELAY_MS = 10_000;
export const DEFAULT_RETRY_MAX_DELAY_MS = 10 * 60_000;
export const DEFAULT_CATCH_UP_WINDOW_MS = 24 * 3_600_000;
export const DEFAULT_HTTP_RETRIES = 3;
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_HISTORY: HistorySpec = { keepRuns: 1000, keepDays: 90, outputLimitBytes: 64 * 1024 };

/** What a one-off run (`orchestrate schedule`) does: call a URL, or run a script. */
export type OneOffSpec =
  | { kind: "http"; url: string }
  | { kind: "script"; path: string; type: string; params: ParamList };
