import type { Action, ScriptType, StepFunction, WorkflowSpec } from "./config/model.js";
import { stepFromValues } from "./config/workflow.js";
import type { Duration, ParamValues } from "./task-builder.js";

/** What a step runs: a JavaScript function, or a script, a command line or an HTTP call as in the YAML. */
export type StepAction =
  | StepFunction
  | { command: string }
  | { script: string; params?: ParamValues; type?: ScriptType }
  | { http: string | { url: string; method?: string; headers?: Record<string, string>; body?: string; expect?: string | number | Array<string | number>; timeout?: Duration } };

/** A rollback: an action, or an action with its own retries and timeout. */
export type RollbackAction = StepAction | { action: StepAction; retries?: number; retryDelay?: Duration; timeout?: Duration };

export interface StepOptions {
  /** Steps (added before this one) that must have succeeded first. */
  dependsOn?: string[];
  retries?: number;
  retryDelay?: Duration;
  timeout?: Duration;
  /** Undoes the step when the workflow fails after it succeeded. */
  rollback?: RollbackAction;
  env?: Record<string, string>;
  /** Working directory of a script or command step (default: the workflow's folder). */
  cwd?: string;
}

/** How the library's option names read in messages, where they differ from the YAML keys. */
const LABELS: Record<string, string> = { depends_on: "dependsOn", retry_delay: "retryDelay", type: "script type" };

/**
 * A workflow made in code (seed 002's Workflow and Task, in TypeScript's idiom): steps are added in
 * dependency order, each a function or an action spec, with retries and a rollback of its own.
 */
export class WorkflowBuilder {
  constructor(
    readonly spec: WorkflowSpec,
    private readonly dir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** Adds a step; `action` and `rollback` may be async functions that get the outputs of the steps before them. */
  addStep(name: string, action: StepAction, options: StepOptions = {}): this {
    const { values, action: stepAction } = actionValues(name, action);
    const rollback = options.rollback === undefined ? undefined : rollbackValues(name, options.rollback);
    const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
    const step = stepFromValues(
      this.spec,
      name,
      defined({
        ...values,
        depends_on: options.dependsOn,
        retries: options.retries,
        retry_delay: options.retryDelay,
        timeout: options.timeout,
        env: options.env,
        cwd: options.cwd,
        rollback: rollback?.values,
      }),
      { dir: this.dir, labels: LABELS, actions: { step: stepAction, rollback: rollback?.action } },
    );
    this.spec.steps.push(step);
    this.spec.killGraceMs = Math.max(this.spec.killGraceMs, step.task.killGraceMs);
    return this;
  }
}

function actionValues(name: string, action: StepAction): { values: Record<string, unknown>; action?: Action } {
  if (typeof action === "function") return { values: {}, action: { kind: "function", name: action.name || name, run: action } };
  if ("command" in action) return { values: { command: action.command } };
  if ("script" in action) return { values: { scripts: [{ path: action.script, ...(action.params && { params: action.params }) }], ...(action.type && { type: action.type }) } };
  return { values: { http: typeof action.http === "string" ? { url: action.http } : action.http } };
}

function rollbackValues(name: string, rollback: RollbackAction): { values: Record<string, unknown>; action?: Action } {
  const withOptions = typeof rollback === "object" && "action" in rollback;
  const { values, action } = actionValues(`${name} rollback`, withOptions ? rollback.action : rollback);
  if (!withOptions) return { values, action };
  const extra = Object.fromEntries(
    Object.entries({ retries: rollback.retries, retry_delay: rollback.retryDelay, timeout: rollback.timeout }).filter(([, v]) => v !== undefined),
  );
  return { values: { ...values, ...extra }, action };
}
