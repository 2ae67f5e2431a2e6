/**
 * The library API (SPEC §6): the same engine the `orchestrate` CLI runs.
 */
export { Orchestrator, type OrchestratorOptions, type WorkflowOptions } from "./orchestrator.js";
export { WorkflowBuilder, type StepAction, type StepOptions, type RollbackAction } from "./workflow-builder.js";
export { TaskBuilder, type TaskOptions, type Duration, type ParamValues } from "./task-builder.js";
export { EventBus } from "./events/bus.js";
export type { OrchestratorEvents, OrchestratorEventName, LogLevel } from "./events/types.js";
export type * from "./config/model.js";
export { ConfigError, type ConfigProblem } from "./config/problems.js";
export { TaskValuesError } from "./config/normalize.js";
export type { ReloadChanges } from "./engine/runtime.js";
export { ApiStartError } from "./api/access.js";
export type { JobStatus } from "./engine/status.js";
export type { WhyAnswer, WhyVerdict } from "./engine/why.js";
export type * from "./store/types.js";
export { StoreLockedError, type RunStore, type NodeIdentity, type SlotClaim, type WriteOptions } from "./store/contract.js";
export { openStore } from "./store/open.js";
export type { Executor, ProcessSpec, ProcessOutcome, RunningProcess } from "./run/executor.js";
export { LocalExecutor } from "./run/local-executor.js";
export { systemClock, ManualClock, type Clock } from "./time/clock.js";
