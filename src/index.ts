/**
 * The library API (SPEC §6): the same engine the `orchestrate` CLI runs.
 */
export { Orchestrator, type OrchestratorOptions } from "./orchestrator.js";
export { TaskBuilder, type TaskOptions, type Duration, type ParamValues } from "./task-builder.js";
export { EventBus } from "./events/bus.js";
export type { OrchestratorEvents, OrchestratorEventName, LogLevel } from "./events/types.js";
export type * from "./config/model.js";
export { ConfigError, type ConfigProblem } from "./config/problems.js";
export type * from "./store/types.js";
export { openStore } from "./store/open.js";
export { systemClock, ManualClock, type Clock } from "./schedule/clock.js";
