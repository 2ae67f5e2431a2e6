import type { OrchestrationConfig } from "./model.js";
import type { PlanTasks } from "./plan-tasks.js";
import type { ConfigProblem } from "./problems.js";
import type { ConfigSource } from "./source.js";

/**
 * What the config's child process (plan-child.ts) answers: the plan (the config with its tasks
 * packed apart), the file's problems, or an unexpected failure.
 */
export type PlanMessage =
  | { config: OrchestrationConfig; tasks: PlanTasks; source: ConfigSource }
  | { problems: ConfigProblem[] }
  | { error: string };
