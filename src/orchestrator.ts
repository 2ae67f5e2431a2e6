import { configFromText, readConfigText, type LoadOptions } from "./config/load.js";
import type { OrchestrationConfig, ScriptType } from "./config/model.js";
import { sourceOf } from "./config/source.js";
import { workflowFromValues } from "./config/workflow.js";
import { OrchestratorCore, type ConfigReader, type OrchestratorOptions } from "./orchestrator-core.js";
import { LocalExecutor } from "./run/local-executor.js";
import { buildTask, TaskBuilder, type Duration, type TaskOptions } from "./task-builder.js";
import { WorkflowBuilder } from "./workflow-builder.js";

export type { OrchestratorOptions } from "./orchestrator-core.js";

/** A workflow's settings, as in `workflows:` of the YAML, in camelCase. */
export interface WorkflowOptions {
  description?: string;
  cron?: string;
  every?: Duration;
  timezone?: string;
  /** At most this many steps at once (default: every step that is ready). */
  maxParallel?: number;
  concurrency?: "forbid" | "allow" | "replace" | "queue";
  catchUp?: "none" | "latest" | "all";
  deadline?: Duration;
  /** Folder that relative script paths resolve against (default: process.cwd()). */
  cwd?: string;
}

/** orchestration.yaml read, checked and normalized in this process. */
const readInProcess: ConfigReader = async (file, options) => {
  const text = readConfigText(file);
  return { config: configFromText(text, file, options), source: sourceOf(text) };
};

/**
 * The library API over the engine (engine/runtime.ts). `orchestrate run` is `executeTasks()`,
 * `orchestrate trigger` is `trigger()`; the CLI does nothing this class does not offer to library
 * users, and neither wires an engine of its own. What drives the engine is in OrchestratorCore;
 * this adds the configuration made in this process: the YAML loaded here, tasks and workflows in code.
 */
export class Orchestrator extends OrchestratorCore {
  constructor(options: OrchestratorOptions = {}) {
    // Children start in this process (execa), unless told otherwise: the daemon hands them to its spawner.
    super({ ...options, executor: options.executor ?? new LocalExecutor() });
  }

  /** Loads `orchestration.yaml`; throws ConfigError listing every problem. */
  loadConfig(file: string, options: LoadOptions = {}): OrchestrationConfig {
    const text = readConfigText(file);
    const config = configFromText(text, file, { stateOverride: this.options.state, ...options });
    return this.useLoaded(config, sourceOf(text), { file, options, read: readInProcess });
  }

  /**
   * Seed 003's `add_task(cron_expression, script_type)`: a task in code, to which scripts,
   * repeats and skip predicates are added. It runs with the configured ones in `executeTasks()`.
   */
  addTask(cron: string, scriptType: ScriptType = "bash", options: TaskOptions = {}): TaskBuilder {
    if (this.daemon) throw new Error("add tasks before executeTasks()");
    const spec = buildTask(cron, scriptType, options, `task-${this.config.tasks.length + 1}`);
    if ([...this.config.tasks, ...this.config.workflows].some((t) => t.name === spec.name)) throw new Error(`there is already a task or workflow named "${spec.name}"`);
    this.config.tasks.push(spec);
    this.codeTasks.push(spec);
    this.runtime = null;
    return new TaskBuilder(spec);
  }

  /**
   * Seed 002's Workflow: a DAG of steps, recurring (`cron`, `every`) or run by `trigger(name)`.
   * Steps are added to the returned builder in dependency order.
   */
  addWorkflow(name: string, options: WorkflowOptions = {}): WorkflowBuilder {
    if (this.daemon) throw new Error("add workflows before executeTasks()");
    if ([...this.config.tasks, ...this.config.workflows].some((job) => job.name === name)) throw new Error(`there is already a task or workflow named "${name}"`);
    const values = {
      description: options.description,
      cron: options.cron,
      every: options.every,
      timezone: options.timezone,
      max_parallel: options.maxParallel,
      concurrency: options.concurrency,
      catch_up: options.catchUp,
      deadline: options.deadline,
    };
    const dir = options.cwd ?? process.cwd();
    const defined = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
    const spec = workflowFromValues(name, defined, { dir, defaults: this.config.defaults });
    this.config.workflows.push(spec);
    this.codeWorkflows.push(spec);
    this.runtime = null;
    return new WorkflowBuilder(spec, dir);
  }
}
