/**
 * One-off runs (`orchestrate schedule`, the library's `schedule()`) as tasks, made by the same
 * normalizer as every other task, with the settings of the config's `defaults:` that make sense for
 * a single run of one URL or one script.
 */
import { dirname } from "node:path";
import { httpUrlProblem, splitCredentials } from "./http-url.js";
import { DEFAULT_HTTP_TIMEOUT_MS, type Action, type OneOffSpec, type TaskSpec } from "./model.js";
import { taskFromValues, TaskValuesError } from "./normalize.js";
import { oneOffTaskName } from "./one-off.js";
import type { RawTask } from "./schema.js";

/**
 * The defaults a one-off takes. Not its trigger, action or skip rules (it has its own, or none), nor
 * concurrency and catch-up (each one-off is its own request), nor cwd (a script runs in its folder).
 */
const ONE_OFF_DEFAULTS = ["timezone", "timeout", "kill_grace", "retries", "retry_delay", "retry_max_delay", "deadline", "env"] as const;

/**
 * A one-off as a task: an HTTP GET with seed 000's behaviour (3 retries, so 4 attempts, the last
 * error kept) unless the config's defaults set retries, or a script run once with its parameters,
 * which are data, never templates.
 */
export function oneOffTask(spec: OneOffSpec, config: { dir: string; defaults: RawTask | null }): TaskSpec {
  const defaults: Record<string, unknown> = {};
  for (const key of ONE_OFF_DEFAULTS) if (config.defaults?.[key] !== undefined) defaults[key] = config.defaults[key];
  const action: Action = spec.kind === "http" ? httpAction(spec.url) : { kind: "scripts", scripts: [{ path: spec.path, displayPath: spec.path, params: spec.params, templated: false }], repeat: [] };
  const values = {
    concurrency: "allow",
    ...(spec.kind === "script" && { type: spec.type, cwd: dirname(spec.path) }),
  };
  return taskFromValues(oneOffTaskName(spec), values, { dir: config.dir, defaults: defaults as RawTask, action, checkName: false });
}

/** A GET of `url`; credentials in it go as Basic auth, as in an http task (the queue keeps the URL as given). */
function httpAction(given: string): Action {
  const problem = httpUrlProblem(given);
  if (problem) throw new TaskValuesError(oneOffTaskName({ kind: "http", url: given }), [problem]);
  const { url, authorization } = splitCredentials(given);
  const headers: Record<string, string> = authorization === null ? {} : { Authorization: authorization };
  return { kind: "http", http: { url, method: "GET", headers, body: null, timeoutMs: DEFAULT_HTTP_TIMEOUT_MS, expect: ["2xx"] } };
}
