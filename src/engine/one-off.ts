import { dirname } from "node:path";
import {
  DEFAULT_CATCH_UP_WINDOW_MS,
  DEFAULT_HTTP_RETRIES,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  type ScriptType,
  type TaskSpec,
} from "../config/model.js";
import { systemTimezone } from "../config/zoned-time.js";
import type { OneOffSpec } from "../store/types.js";

/** The task name a one-off is recorded under: what it does, readable in `history`. */
export function oneOffTaskName(spec: OneOffSpec): string {
  return spec.kind === "http" ? `once:${spec.url}` : `once:${spec.path}`;
}

/**
 * A one-off as a task: an HTTP GET with seed 000's behaviour (3 retries, so 4 attempts, the last
 * error kept), or a script run once with its parameters.
 */
export function oneOffTask(spec: OneOffSpec): TaskSpec {
  const base = {
    name: oneOffTaskName(spec),
    description: null,
    trigger: null,
    timezone: systemTimezone(),
    type: "bash" as ScriptType,
    skip: [],
    timeoutMs: null,
    killGraceMs: DEFAULT_KILL_GRACE_MS,
    retryDelayMs: DEFAULT_RETRY_DELAY_MS,
    retryMaxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS,
    concurrency: "allow" as const,
    catchUp: "none" as const,
    catchUpWindowMs: DEFAULT_CATCH_UP_WINDOW_MS,
    jitterMs: 0,
    deadlineMs: null,
    env: {},
  };
  if (spec.kind === "http") {
    return {
      ...base,
      retries: DEFAULT_HTTP_RETRIES,
      cwd: process.cwd(),
      action: { kind: "http", http: { url: spec.url, method: "GET", headers: {}, body: null, timeoutMs: DEFAULT_HTTP_TIMEOUT_MS, expect: ["2xx"] } },
    };
  }
  return {
    ...base,
    type: spec.type as ScriptType,
    retries: 0,
    cwd: dirname(spec.path),
    action: { kind: "scripts", scripts: [{ path: spec.path, displayPath: spec.path, params: spec.params }], repeat: [] },
  };
}
