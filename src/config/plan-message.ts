import type { OrchestrationConfig } from "./model.js";
import type { ConfigProblem } from "./problems.js";
import type { ConfigSource } from "./source.js";

/**
 * What the config's child process (plan-child.ts) prints: one line of JSON, this; then, after a
 * plan, one line per task, its own fields (plan-tasks.ts), so that the daemon turns each into a task
 * as it arrives and never holds the whole plan at once.
 */
export type PlanHead =
  /** The config without its tasks; `common`: the task fields most tasks share; then `tasks` lines. */
  | { config: OrchestrationConfig; common: Record<string, unknown>; tasks: number; source: ConfigSource }
  | { problems: ConfigProblem[] }
  | { error: string };
