import type { LoadOptions } from "./config/load.js";
import { oneOffProblem } from "./config/one-off.js";
import { DEFAULT_HISTORY, type OneOffSpec, type OrchestrationConfig, type TaskSpec, type WorkflowSpec } from "./config/model.js";
import { readConfigApart } from "./config/read-apart.js";
import { NO_SOURCE, type ConfigSource } from "./config/source.js";
import type { ApiServer } from "./api/server.js";
import { Runtime, type ReloadChanges } from "./engine/runtime.js";
import type { JobStatus } from "./engine/status.js";
import type { WhyAnswer } from "./engine/why.js";
import { EventBus, type Listener } from "./events/bus.js";
import { Notifier } from "./notify/notifier.js";
import { packageVersion } from "./util/version.js";
import type { OrchestratorEventName } from "./events/types.js";
import type { Executor } from "./run/executor.js";
import type { RunStore } from "./store/contract.js";
import { openStore } from "./store/open.js";
import type { HistoryQuery, RunRecord } from "./store/types.js";
import { systemClock, type Clock } from "./time/clock.js";
import { writeStatusPlan } from "./engine/status-plan.js";

/** Reads a configuration file: in this process or in a child, the same config or the same problems. */
export type ConfigReader = (file: string, options: LoadOptions) => Promise<{ config: OrchestrationConfig; source: ConfigSource }>;

/** How long a stopping daemon (or a finished `trigger`) waits for its last notifications. */
const NOTIFY_FLUSH_MS = 10_000;

export interface OrchestratorOptions {
  /** A loaded configuration; or call `loadConfig(file)`, or add tasks in code. */
  config?: OrchestrationConfig;
  /** SQLite file or postgres:// URL; overrides the config's `state:`. */
  state?: string;
  /** An already open store (tests, embedding). */
  store?: RunStore;
  clock?: Clock;
  random?: () => number;
  /** The environment scripts inherit (default: this process's). */
  env?: Record<string, string | undefined>;
  /** Where scripts are started (default: as children of this process). */
  executor?: Executor;
  /** Log what would run, run nothing, and read and write no state store. */
  dryRun?: boolean;
  /** `run --label`: in a cluster, tasks with `nodes:` fire only on daemons with one of their labels. */
  labels?: string[];
}

/**
 * The library's Orchestrator (orchestrator.ts) without the means to build a configuration in this
 * process: the YAML loader, the schema and the task builders (yaml, zod), and their garbage. It takes
 * a configuration it is given, or reads one through a child process (loadConfigInChild): what
 * `orchestrate run` holds for months. Everything that drives the engine is here.
 */
export class OrchestratorCore {
  readonly bus = new EventBus();
  readonly clock: Clock;
  protected config: OrchestrationConfig;
  private store: RunStore | null;
  protected runtime: Runtime | null = null;
  protected daemon: Runtime | null = null;
  private stopped: Promise<void> | null = null;
  private notifier: Notifier | null = null;
  private api: ApiServer | null = null;
  /** Where the configuration came from, and how it was read, to read it again on reload. */
  private loaded: { file: string; options: LoadOptions; read: ConfigReader } | null = null;
  protected readonly codeTasks: TaskSpec[] = [];
  protected readonly codeWorkflows: WorkflowSpec[] = [];
  private resolveStopped: (() => void) | null = null;
  /** Of the text the configuration was read from: its hash tells cluster nodes apart, and keys the status plan. */
  private source: ConfigSource = NO_SOURCE;

  constructor(protected readonly options: OrchestratorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? null;
    this.config = options.config ?? {
      file: null,
      dir: process.cwd(),
      state: options.state ?? ".orchestrate/state.db",
      tasks: [],
      workflows: [],
      notify: [],
      api: null,
      defaults: null,
      history: { ...DEFAULT_HISTORY },
    };
  }

  /**
   * Loads `orchestration.yaml` as the library's loadConfig does, but parsed in a short-lived child
   * process: this one keeps neither the parse's garbage nor the parser. Reloads read it the same way.
   * Rejects with ConfigError listing every problem. `reading`: the same read, started already (the
   * CLI starts it before it loads the engine, which then loads while the child parses).
   */
  async loadConfigInChild(
    file: string,
    options: LoadOptions = {},
    reading: ReturnType<ConfigReader> = readConfigApart(file, { stateOverride: this.options.state, ...options }),
  ): Promise<OrchestrationConfig> {
    const { config, source } = await reading;
    return this.useLoaded(config, source, { file, options, read: readConfigApart });
  }

  /** A configuration read from `from.file` becomes this orchestrator's, with the tasks added in code. */
  protected useLoaded(config: OrchestrationConfig, source: ConfigSource, from: { file: string; options: LoadOptions; read: ConfigReader }): OrchestrationConfig {
    this.config = this.withCode(config, from.file);
    this.source = source;
    this.loaded = from;
    this.runtime = null;
    return this.config;
  }

  /**
   * Reads the configuration file again and applies it to the running daemon (SIGHUP, `run
   * --watch`). The file is checked first: with a problem, it throws ConfigError and nothing
   * changes. The state store and the API stay as they were started (a restart changes them).
   */
  async reload(): Promise<ReloadChanges> {
    if (!this.loaded) throw new Error("nothing to reload: the configuration was not loaded from a file");
    const { file, options, read } = this.loaded;
    const { config, source } = await read(file, { stateOverride: this.options.state, ...options });
    const next = this.withCode(config, file);
    this.source = source;
    next.state = this.config.state;
    next.api = this.config.api;
    this.config = next;
    if (!this.daemon) return { added: [], removed: [], rescheduled: [], changed: [] };
    const changes = this.daemon.reload(next, source.hash);
    this.keepStatusPlan();
    // Notifications follow the new file: the old destinations finish what they hold.
    const old = this.notifier;
    this.notifier = this.notifications(this.daemon, true);
    void old?.stop(NOTIFY_FLUSH_MS);
    return changes;
  }

  /** Tasks and workflows added in code stay, whichever came first. */
  protected withCode(loaded: OrchestrationConfig, file: string): OrchestrationConfig {
    const names = new Set([...loaded.tasks, ...loaded.workflows].map((t) => t.name));
    const clash = [...this.codeTasks, ...this.codeWorkflows].find((t) => names.has(t.name));
    if (clash) throw new Error(`"${clash.name}" is both in ${file} and added in code`);
    return { ...loaded, tasks: [...loaded.tasks, ...this.codeTasks], workflows: [...loaded.workflows, ...this.codeWorkflows] };
  }

  get tasks(): readonly TaskSpec[] {
    return this.config.tasks;
  }

  getConfig(): OrchestrationConfig {
    return this.config;
  }

  on<E extends OrchestratorEventName>(name: E, listener: Listener<E>): () => void {
    return this.bus.on(name, listener);
  }

  /** The run store, opened on first use from the config's `state:`. */
  openStore(): RunStore {
    this.store ??= openStore(this.options.state ?? this.config.state);
    return this.store;
  }

  /** Runs the scheduler until `stop()`; resolves when it has stopped. */
  async executeTasks(): Promise<void> {
    if (this.daemon) throw new Error("executeTasks() is already running");
    // A dry run reads and writes no store: it runs beside a live daemon and leaves no trace.
    const daemon = this.createRuntime(this.options.dryRun ? openStore(":memory:") : this.openStore());
    this.daemon = daemon;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    try {
      // Serving before the first fire: every run's scripts get the API's URL to report through.
      if (this.config.api && !this.options.dryRun) this.api = await this.serveApi(daemon, this.config.api);
      else if (this.config.api) this.bus.emit("log", { level: "info", message: "dry run: the API is not served" });
      await daemon.start();
    } catch (error) {
      this.daemon = null;
      await this.api?.close();
      this.api = null;
      throw error;
    }
    if (!this.options.dryRun) this.notifier = this.notifications(daemon, true);
    this.keepStatusPlan();
    return this.stopped;
  }

  /** Stops firing; running invocations get `graceMs` to finish, then their process groups are killed. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.daemon) {
      await this.daemon.stop(options.graceMs ?? 30_000);
      await this.stopNotifications(this.daemon);
      await this.api?.close();
      this.api = null;
      this.daemon = null;
      this.resolveStopped?.();
    }
    await this.close();
  }

  /** Kills every running invocation at once (a second Ctrl-C). */
  async kill(): Promise<void> {
    await this.daemon?.kill();
    void this.notifier?.stop(0);
    this.notifier = null;
    void this.api?.close();
    this.api = null;
    this.daemon = null;
    this.resolveStopped?.();
    await this.close();
  }

  /** Runs one task or workflow now, in this process, recorded as a `manual` run; resolves with the finished run. */
  async trigger(name: string): Promise<RunRecord> {
    const engine = this.engine();
    if (this.daemon) return engine.trigger(name, "manual");
    // Alone (`orchestrate trigger`), this process tells the run's events to the configured destinations itself.
    this.notifier = this.notifications(engine, false);
    try {
      return await engine.trigger(name, "manual");
    } finally {
      await this.stopNotifications(engine);
    }
  }

  /**
   * Seed 000's `schedule(httpAddress, timeDelayInSeconds)`: a GET of `url` after `delaySeconds`,
   * retried 3 times; returns the run id. A daemon on the same state store runs it on time.
   */
  async schedule(url: string, delaySeconds: number): Promise<number> {
    return this.scheduleOnce({ kind: "http", url }, { delayMs: delaySeconds * 1000 });
  }

  /** Adds a one-off run (a URL or a script) to the state store, due after a delay or at a time. */
  async scheduleOnce(what: OneOffSpec, when: { delayMs?: number; atMs?: number }): Promise<number> {
    // Refused now, not found out when it is due: a URL that is not one, a script that is not there.
    const problem = oneOffProblem(what);
    if (problem) throw new Error(problem);
    return this.engine().schedule(what, when);
  }

  /** Pauses a task's (or workflow's) scheduled fires, in the state store: a running daemon honours it within a second, and it survives restarts. */
  async pause(name: string): Promise<void> {
    await this.engine().setPaused(name, true);
  }

  async resume(name: string): Promise<void> {
    await this.engine().setPaused(name, false);
  }

  /** Stops a run this orchestrator is running, or cancels a one-off not yet due. */
  async cancel(runId: number): Promise<boolean> {
    return this.engine().cancel(runId);
  }

  /** Every task and workflow: schedule, next fire, paused, running now, last run. */
  async status(): Promise<JobStatus[]> {
    return this.engine().status();
  }

  /**
   * Why the fire of `task` due at (or last before) `at` (default: now) ran or did not: ran,
   * skipped and why, paused, missed while the daemon was down, blocked behind a run, never due.
   */
  async why(task: string, options: { at?: Date; formatTime?: (ms: number) => string } = {}): Promise<WhyAnswer> {
    return this.engine().why(task, options.at ? options.at.getTime() : null, options.formatTime);
  }

  /** A run by id (seed 000's getResults): its status, result or last error; null if there is none. */
  async getResults(runId: number): Promise<RunRecord | null> {
    return this.engine().getRun(runId);
  }

  /** Recorded runs, newest first. */
  async history(query: HistoryQuery = {}): Promise<RunRecord[]> {
    return this.engine().history(query);
  }

  async close(): Promise<void> {
    if (this.store && !this.options.store) await this.store.close();
    this.store = this.options.store ?? null;
    this.runtime = null;
  }

  /** Where the daemon's REST API listens (http://HOST:PORT), while it serves one. */
  get apiUrl(): string | null {
    return this.api?.url ?? null;
  }

  /** The REST API over the daemon's runtime. Loaded only when served: commands that never serve start without Fastify. */
  private async serveApi(runtime: Runtime, spec: NonNullable<OrchestrationConfig["api"]>): Promise<ApiServer> {
    const { ApiServer } = await import("./api/server.js");
    return ApiServer.start({ spec, runtime, bus: this.bus, clock: this.clock, dir: this.config.dir, env: this.options.env ?? process.env, version: packageVersion() });
  }

  /** Webhooks, commands and heartbeats of the config, on the bus of `runtime`; null when there are none. */
  private notifications(runtime: Runtime, withHeartbeats: boolean): Notifier | null {
    const notifier = new Notifier({
      config: this.config,
      bus: this.bus,
      clock: this.clock,
      executor: runtime.executor,
      env: this.options.env ?? process.env,
      version: packageVersion(),
      record: (runId, delivery) => void runtime.recorder.submit({ kind: "delivery", id: runId, delivery }),
      healthy: () => !runtime.recorder.failing,
    });
    if (!notifier.active) return null;
    notifier.start(withHeartbeats);
    return notifier;
  }

  /** Lets the last notifications go out (bounded), and records their deliveries. */
  private async stopNotifications(runtime: Runtime): Promise<void> {
    if (!this.notifier) return;
    await this.notifier.stop(NOTIFY_FLUSH_MS);
    this.notifier = null;
    await runtime.recorder.flush(NOTIFY_FLUSH_MS);
  }

  /** Beside a SQLite state: what `orchestrate status` needs of this config file, so it need not parse it. */
  private keepStatusPlan(): void {
    if (this.loaded && !this.options.dryRun) writeStatusPlan(this.config, this.source.statusKey);
  }

  /** The one engine of this orchestrator: the running daemon's, or one made for a command. */
  private engine(): Runtime {
    if (this.daemon) return this.daemon;
    this.runtime ??= this.createRuntime(this.openStore(), 1);
    return this.runtime;
  }

  /** How children start: given by whoever made this (the library: in this process; `run`: its spawner). */
  private executor(): Executor {
    if (!this.options.executor) throw new Error("an orchestrator needs an executor to start processes (the library's Orchestrator gives one)");
    return this.options.executor;
  }

  private createRuntime(store: RunStore, idBlock?: number): Runtime {
    return new Runtime({
      config: this.config,
      store,
      bus: this.bus,
      clock: this.clock,
      random: this.options.random ?? Math.random,
      // A plain copy, made once: reading process.env goes through the C library at every key.
      baseEnv: { ...(this.options.env ?? process.env) },
      executor: this.executor(),
      dryRun: this.options.dryRun,
      idBlock,
      labels: this.options.labels,
      configHash: this.source.hash,
    });
  }
}

