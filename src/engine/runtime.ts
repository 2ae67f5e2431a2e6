import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { type OneOffSpec, type OrchestrationConfig, type TaskSpec } from "../config/model.js";
import { oneOffTaskName } from "../config/one-off.js";
import type { EventBus } from "../events/bus.js";
import { attachJournal } from "../events/journal.js";
import type { Executor } from "../run/executor.js";
import { Scheduler } from "../schedule/scheduler.js";
import type { Fire, SchedulerTask } from "../schedule/types.js";
import type { RunStore } from "../store/contract.js";
import type { HistoryQuery, PendingRun, RunRecord, RunTrigger } from "../store/types.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { Controls } from "./controls.js";
import { RunLauncher, type FireOutcome, type Job } from "./launcher.js";
import { OneOffPoller } from "./one-off-poller.js";
import { RunRecorder } from "./recorder.js";
import { recoverOrphanedRuns } from "./recovery.js";
import { ClusterNode } from "./cluster.js";
import { packageVersion } from "../util/version.js";
import { whyFire, type WhyAnswer } from "./why.js";
import { jobStatuses, nextUnskipped, type JobStatus } from "./status.js";

/** Run ids a cluster node reserves at a time (it tops up at half): see the recorder. */
const CLUSTER_ID_BLOCK = 512;

/** What a reload changed, by task (or workflow) name. */
export interface ReloadChanges {
  added: string[];
  removed: string[];
  /** Their schedule changed: re-armed from the reload. */
  rescheduled: string[];
  /** Changed in what they run, or how: the next run runs the new version. */
  changed: string[];
}

/** Asked for a run while the daemon stops: it starts none. */
export class DaemonStoppingError extends Error {
  constructor() {
    super("the daemon is stopping: it starts no new runs");
  }
}

/** When a job fires, as text: two versions with the same one fire at the same times. */
function scheduleOf(job: Job): string {
  return JSON.stringify([job.trigger, job.timezone, job.jitterMs, job.catchUp, job.catchUpWindowMs]);
}

/** A task or workflow as it stands (`orchestrate status`, the API's /v1/tasks). */

export interface RuntimeOptions {
  config: OrchestrationConfig;
  store: RunStore;
  bus: EventBus;
  clock: Clock;
  random: () => number;
  /** The environment scripts inherit. */
  baseEnv: Record<string, string | undefined>;
  /** Where processes start: children of this process, or of the spawner process. */
  executor: Executor;
  /** Log what would run, run nothing. */
  dryRun?: boolean;
  /** Run ids reserved at a time: 16 for a daemon, 1 for a command that runs one task. */
  idBlock?: number;
  /** `run --label`: tasks with `nodes:` fire only on a daemon with one of their labels. */
  labels?: string[];
  /** A hash of the configuration, shown by `orchestrate nodes` (nodes whose hash differs run different files). */
  configHash?: string;
}

/** This package's command, for scripts to call (`"$ORCHESTRATE_BIN" report …`) wherever it is installed. */
const ORCHESTRATE_BIN = fileURLToPath(new URL("../../bin/orchestrate", import.meta.url));
const RETENTION_EVERY_MS = 3_600_000;
/** A shared store learns that a daemon died when its lease is not renewed for a while. */
const LEASE_RENEW_MS = 10_000;
/** How long a stopping daemon keeps trying to record what is still queued. */
const RECORD_FLUSH_MS = 10_000;
/** Journal events kept, besides keep_days: enough for any reader that was away for a while. */
const KEEP_EVENTS = 50_000;

/**
 * The engine, wired once: the recorder, the launcher, the scheduler and the one-off poller over
 * one store and one executor. Its commands — start, stop, trigger, schedule, cancel, query — are
 * what the library's Orchestrator, the CLI and the API call; none of them wires an engine of its own.
 */
export class Runtime {
  readonly recorder: RunRecorder;
  readonly launcher: RunLauncher;
  readonly executor: Executor;
  readonly nodeId: string;
  /** Tasks and workflows by name: one namespace. */
  private jobs: Map<string, Job>;
  private scheduler: Scheduler | null = null;
  private oneOffs: OneOffPoller | null = null;
  private timers: TimerHandle[] = [];
  private stopping: Promise<void> | null = null;
  private started = false;
  private detachJournal: (() => void) | null = null;
  private readonly controls: Controls;
  /** Set by the API while it serves: the URL and a token with which a run's scripts report on it. */
  private reportEnv: ((runId: number) => Record<string, string>) | null = null;
  private unwatch: (() => void) | null = null;
  /** In a cluster (a shared store): this daemon as one of its nodes. */
  private clusterNode: ClusterNode | null = null;

  constructor(private readonly options: RuntimeOptions) {
    const { store, bus, clock, config } = options;
    this.nodeId = `${hostname()}:${process.pid}:${clock.now()}`;
    this.executor = options.executor;
    // A shared store's ids are reserved over the network, and a node that ran out would hand out
    // ids another node may hold: a cluster node keeps hundreds in hand (a burst, an outage).
    this.recorder = new RunRecorder({ store, bus, clock, idBlock: options.idBlock ?? (store.cluster ? CLUSTER_ID_BLOCK : undefined) });
    this.launcher = new RunLauncher({
      writer: this.recorder,
      executor: this.executor,
      bus,
      clock,
      random: options.random,
      baseEnv: options.baseEnv,
      outputLimitBytes: config.history.outputLimitBytes,
      dryRun: options.dryRun,
      isPaused: (name) => this.controls.isPaused(name),
      runEnv: (runId) => ({ ORCHESTRATE_STATE: store.location, ORCHESTRATE_BIN: ORCHESTRATE_BIN, ...this.reportEnv?.(runId) }),
      beforeEnd: () => this.controls.look(),
      onIdle: (task) => this.clusterNode?.release(task),
    });
    this.controls = new Controls({ store, bus, clock, taskOfRunning: (runId) => this.launcher.taskOfRunning(runId) });
    this.warnOnReportedStatus();
    this.jobs = new Map<string, Job>([...config.tasks, ...config.workflows].map((job) => [job.name, job]));
  }

  /**
   * Follows what other processes write to the store: one-offs to run, pauses, reported messages.
   * One watch of the store for all of them; each looks at most once a second.
   */
  private async follow(withOneOffs: boolean): Promise<void> {
    const { store, bus, clock } = this.options;
    this.unwatch = store.watchChanges(() => {
      this.oneOffs?.changed();
      this.controls.changed();
      this.clusterNode?.changed();
    });
    await this.controls.start(this.unwatch !== null);
    if (withOneOffs) {
      this.oneOffs = new OneOffPoller({ store, bus, clock, run: (pending) => void this.runOneOff(pending) });
      this.oneOffs.start(this.unwatch !== null);
    }
  }

  private unfollow(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.oneOffs?.stop();
    this.controls.stop();
  }

  /**
   * A script may report a status; its exit code still decides how the run ends (a status a script
   * reports and then contradicts by its exit code is most likely a bug in one or the other), so a
   * contradiction is kept as a message and warned about.
   */
  private warnOnReportedStatus(): void {
    const { bus } = this.options;
    const reported = new Map<number, string>();
    bus.on("run.message", (e) => {
      if (e.status === "succeeded" || e.status === "failed") reported.set(e.runId, e.status);
    });
    const check = (runId: number, task: string, ended: string) => {
      const said = reported.get(runId);
      reported.delete(runId);
      if (said && said !== ended) {
        bus.emit("log", { level: "warn", task, runId, message: `the script reported ${said} but its exit code says ${ended}: the exit code decides` });
      }
    };
    bus.on("run.succeeded", (e) => check(e.runId, e.task, "succeeded"));
    bus.on("run.failed", (e) => check(e.runId, e.task, "failed"));
  }

  /** Run events go to the store's journal while this runtime runs something (not for every reader of the bus). */
  private journal(): () => void {
    if (this.detachJournal) return () => undefined;
    const off = attachJournal(this.options.bus, this.nodeId, (event) => void this.recorder.submit({ kind: "event", event }));
    this.detachJournal = () => {
      off();
      this.detachJournal = null;
    };
    return this.detachJournal;
  }

  /** The daemon: takes the store's lease, recovers what a dead daemon left, and starts firing. */
  async start(): Promise<void> {
    const { store, bus, clock, config } = this.options;
    const startedAt = new Date(clock.now()).toISOString();
    await store.acquireLease({ nodeId: this.nodeId, pid: process.pid, host: hostname(), startedAt }, clock.now());
    this.started = true;
    this.journal();
    await this.recorder.prepare();
    if (store.cluster && !this.options.dryRun) {
      this.clusterNode = new ClusterNode({
        cluster: store.cluster,
        store,
        bus,
        clock,
        launcher: this.launcher,
        node: { nodeId: this.nodeId, pid: process.pid, host: hostname(), startedAt, version: packageVersion(), labels: this.labels, configHash: this.options.configHash ?? "", role: "daemon" },
        jobs: () => this.jobs,
        recover: (retry) =>
          recoverOrphanedRuns({ store, writer: this.recorder, launcher: this.launcher, bus, clock, jobs: this.jobs, retry, reason: "its node stopped heartbeating while this run was going" }),
      });
      await this.clusterNode.join();
    } else {
      await recoverOrphanedRuns({ store, writer: this.recorder, launcher: this.launcher, bus, clock, jobs: this.jobs });
    }
    if (!this.options.dryRun) await this.follow(true);
    this.applyRetention();
    if (!store.exclusive && !store.cluster) this.renewLease();

    this.scheduler = new Scheduler({
      clock,
      random: this.options.random,
      tasks: this.schedulerTasks(),
      lastSlots: await store.lastSlots(),
      onFire: (fire) => this.onFire(fire),
      onMissed: (gap) => (this.clusterNode ? void this.clusterNode.missed(gap) : this.launcher.recordMissed(gap)),
      onSlotHandled: (task, slotMs) => {
        if (!this.options.dryRun) void this.recorder.submit({ kind: "slot", task, slotMs });
      },
    });
    this.scheduler.start();
    bus.emit("daemon.started", { at: new Date(clock.now()).toISOString(), tasks: config.tasks.length, workflows: config.workflows.length });
    bus.emit("log", {
      level: "info",
      message: `orchestrate is running ${config.tasks.length} task(s)${config.workflows.length ? ` and ${config.workflows.length} workflow(s)` : ""} from ${config.file ?? "code"} (state: ${this.options.dryRun ? "none, dry run" : store.location})`,
    });
  }

  /** What the scheduler needs of each task and workflow that has a trigger. */
  private schedulerTasks(): SchedulerTask[] {
    // The jobs themselves, which have every field the scheduler reads: not a copy of each, held for months.
    return [...this.jobs.values()].filter((job): job is Job & SchedulerTask => job.trigger !== null && ClusterNode.eligible(job, this.labels));
  }

  /**
   * A new configuration, while running (SIGHUP, `run --watch`): tasks added start, tasks removed
   * stop firing (their running runs finish), tasks whose schedule changed re-arm from now, and the
   * others keep their timers and slots. Returns what changed, by name.
   */
  reload(config: OrchestrationConfig, configHash?: string): ReloadChanges {
    const before = this.jobs;
    this.options.config = config;
    if (configHash !== undefined) this.clusterNode?.runs(configHash);
    this.jobs = new Map<string, Job>([...config.tasks, ...config.workflows].map((job) => [job.name, job]));
    this.scheduler?.reconfigure(this.schedulerTasks());
    const kept = [...this.jobs.values()].filter((job) => before.has(job.name));
    const rescheduled = kept.filter((job) => scheduleOf(job) !== scheduleOf(before.get(job.name)!)).map((job) => job.name);
    return {
      added: [...this.jobs.keys()].filter((name) => !before.has(name)),
      removed: [...before.keys()].filter((name) => !this.jobs.has(name)),
      rescheduled,
      changed: kept.filter((job) => !rescheduled.includes(job.name) && JSON.stringify(job) !== JSON.stringify(before.get(job.name))).map((job) => job.name),
    };
  }

  private onFire(fire: Fire): void {
    const job = this.jobs.get(fire.task);
    if (!job) return;
    if (this.clusterNode) void this.clusterNode.fire(job, fire);
    else this.launcher.fire(job, fire);
  }

  private get labels(): string[] {
    return this.options.labels ?? [];
  }

  private async runOneOff(pending: PendingRun): Promise<void> {
    // Loaded when a one-off comes due: it needs the config's normalizer, which a daemon holds for nothing else.
    const { oneOffTask } = await import("../config/one-off-task.js");
    const { bus, clock, config } = this.options;
    let task: TaskSpec;
    try {
      task = oneOffTask(pending.oneOff, config);
    } catch (error) {
      const at = new Date(clock.now()).toISOString();
      const message = (error as Error).message;
      void this.recorder.submit({ kind: "update", id: pending.run.id, patch: { status: "failed", finishedAt: at, error: message } });
      bus.emit("run.failed", { runId: pending.run.id, task: pending.run.task, at, run: { ...pending.run, status: "failed", finishedAt: at, error: message } });
      return;
    }
    void this.launcher.runClaimed(task, pending);
  }

  /** A one-off was scheduled in this process: look for it now. */
  wakeOneOffs(): void {
    this.oneOffs?.wake();
  }

  /** Runs one task or workflow now, in this process, ignoring skips and concurrency; resolves with the finished run. */
  async trigger(name: string, how: RunTrigger = "manual"): Promise<RunRecord> {
    const task = this.job(name);
    const detach = this.journal();
    // In the daemon this runs beside everything else; alone (`orchestrate trigger`), it follows
    // the store itself for the messages its scripts report.
    const alone = !this.started;
    const present = alone ? await this.presentInCluster() : null;
    try {
      await this.recorder.prepare();
      if (alone) await this.follow(false);
      const run = await this.launcher.runNow(task, how);
      if (alone) await this.controls.look();
      if (!(await this.recorder.flush(30_000))) throw new Error(`could not record run ${run.id} in ${this.options.store.location}`);
      return run;
    } finally {
      if (alone) this.unfollow();
      detach();
      await present?.();
    }
  }

  /**
   * A command running a task by hand on a shared store registers as a node while it runs (role
   * trigger: it fires nothing), so that the daemons do not take its run for a dead node's.
   */
  private async presentInCluster(): Promise<(() => Promise<void>) | null> {
    const { store, clock } = this.options;
    const cluster = store.cluster;
    if (!cluster || this.options.dryRun) return null;
    const node = { nodeId: this.nodeId, pid: process.pid, host: hostname(), startedAt: new Date(clock.now()).toISOString(), version: packageVersion(), labels: this.labels, configHash: this.options.configHash ?? "", role: "trigger" as const };
    await cluster.heartbeat(node, clock.now());
    const every = Math.min(10_000, Math.floor(cluster.leaseMs / 3));
    let timer = clock.setTimer(every, function beat() {
      void cluster.heartbeat(node, clock.now()).catch(() => undefined);
      timer = clock.setTimer(every, beat);
    });
    return async () => {
      timer.cancel();
      await cluster.leave(node.nodeId).catch(() => undefined);
    };
  }

  /**
   * A run asked for through the daemon (the API): it goes through the concurrency policy like a
   * scheduled fire; resolves once it started, was skipped, or took its place in the queue.
   */
  async request(name: string, how: RunTrigger = "api"): Promise<FireOutcome> {
    const job = this.job(name);
    // A stopping daemon's launcher takes no fires: the request would wait for an answer that never comes.
    if (this.stopping) throw new DaemonStoppingError();
    return this.launcher.request(job, how);
  }

  /** Stops a run going in this daemon, or cancels a one-off not yet due; false when there was nothing to stop. */
  async cancel(runId: number, reason = "cancelled by request"): Promise<boolean> {
    const { store, clock } = this.options;
    if (this.launcher.cancelRun(runId, reason)) return true;
    if (await store.cancelPendingRun(runId, new Date(clock.now()).toISOString(), reason)) return true;
    // In a cluster, another node may run it: it cancels it when it sees the request.
    if (!store.cluster || (await store.getRun(runId))?.status !== "running") return false;
    await store.cluster.requestCancel(runId, reason, clock.now());
    return true;
  }

  /** Pauses a task's or workflow's scheduled fires (kept in the store, across restarts) or resumes them. */
  async setPaused(name: string, paused: boolean): Promise<void> {
    this.job(name);
    await this.options.store.setPaused(name, paused);
    await this.controls.look();
  }

  /** The API serves: scripts report through it (`orchestrate report`, the Python `report()`). */
  setReportEnvironment(env: ((runId: number) => Record<string, string>) | null): void {
    this.reportEnv = env;
  }

  /** The store this runtime records into: for readers that need more than the commands (the API's event stream). */
  get store(): RunStore {
    return this.options.store;
  }

  /** A message (and maybe a status) a running script reports on its run. */
  async report(runId: number, report: { status: RunRecord["status"] | null; message: string | null }): Promise<void> {
    const at = new Date(this.options.clock.now()).toISOString();
    await this.options.store.applyWrites([{ kind: "message", id: runId, message: { at, ...report } }]);
    await this.controls.look();
  }

  /**
   * Every task and workflow as it stands: schedule, next fire (past the ones its weekday and date
   * rules will skip), paused, running now, last run. In the daemon from its own scheduler; in any
   * other process from the store, which the daemon keeps current. With `only`, that one (none if unknown).
   */
  async status(only?: string): Promise<JobStatus[]> {
    const { store, clock } = this.options;
    const jobs = only === undefined ? [...this.jobs.values()] : [this.jobs.get(only)].filter((job) => job !== undefined);
    if (!this.scheduler) return jobStatuses(jobs, store, clock.now());
    const planned = new Map(this.scheduler.nextFires().map((f) => [f.task, f.atMs]));
    return jobStatuses(jobs, store, clock.now(), {
      nextFire: (job) => planned.get(job.name) ?? null,
      paused: (job) => this.controls.isPaused(job.name),
      running: (job) => this.launcher.runningOf(job.name),
    });
  }

  /**
   * Each job's next fire as in status(), from the daemon's scheduler alone, without reading the
   * store: cheap enough for every scrape of /metrics, whatever the number of tasks.
   */
  nextFires(): Array<{ task: string; atMs: number }> {
    return (this.scheduler?.nextFires() ?? []).flatMap(({ task, atMs }) => {
      const job = this.jobs.get(task);
      const next = job ? nextUnskipped(job, atMs) : null;
      return next === null ? [] : [{ task, atMs: next }];
    });
  }

  private job(name: string): Job {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no ${this.options.config.workflows.length ? "task or workflow" : "task"} named "${name}"${this.listTasks()}`);
    return job;
  }

  /** Adds a one-off run (a URL or a script) to the store, due after a delay or at a time; returns its id. */
  async schedule(what: OneOffSpec, when: { delayMs?: number; atMs?: number }): Promise<number> {
    const { store, clock } = this.options;
    const dueMs = when.atMs ?? clock.now() + (when.delayMs ?? 0);
    const id = await store.addPendingRun({ task: oneOffTaskName(what), dueMs, oneOff: what }, clock.now());
    this.wakeOneOffs();
    return id;
  }

  getRun(id: number): Promise<RunRecord | null> {
    return this.options.store.getRun(id);
  }

  /** Why the fire of a task due at (or last before) `atMs` (default now) ran, or did not: see engine/why.ts. */
  why(name: string, atMs: number | null, formatTime?: (ms: number) => string): Promise<WhyAnswer> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no task or workflow named "${name}"`);
    const nowMs = this.options.clock.now();
    return whyFire(job, atMs ?? nowMs, { store: this.options.store, nowMs, exact: atMs !== null, ...(formatTime && { formatTime }) });
  }

  history(query: HistoryQuery): Promise<RunRecord[]> {
    return this.options.store.history(query);
  }

  /** Stops firing, waits up to `graceMs` for running work, then kills its process groups. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  /** A second interrupt: kill everything now. */
  async kill(): Promise<void> {
    this.launcher.cancelAll(0);
    this.executor.killAll();
    await this.stop(0);
  }

  private applyRetention(): void {
    const { store, bus, clock, config } = this.options;
    if (this.options.dryRun) return;
    store
      .prune({ keepRuns: config.history.keepRuns, keepDays: config.history.keepDays, keepEvents: KEEP_EVENTS, nowMs: clock.now() }, { lockWaitMs: 0 })
      .then((deleted) => {
        if (deleted > 0) bus.emit("log", { level: "debug", message: `retention removed ${deleted} old run(s)` });
      })
      .catch((error: Error) => bus.emit("log", { level: "warn", message: `retention failed: ${error.message}` }));
    this.timers.push(clock.setTimer(RETENTION_EVERY_MS, () => this.applyRetention()));
  }

  private renewLease(): void {
    const { store, bus, clock } = this.options;
    this.timers.push(
      clock.setTimer(LEASE_RENEW_MS, () => {
        store.renewLease(this.nodeId, clock.now()).catch((error: Error) => bus.emit("log", { level: "warn", message: `could not renew this daemon's lease: ${error.message}` }));
        this.renewLease();
      }),
    );
  }

  private async shutdown(graceMs: number): Promise<void> {
    const { store, bus } = this.options;
    this.scheduler?.stop();
    this.unfollow();
    for (const timer of this.timers) timer.cancel();
    this.launcher.close();
    const running = this.launcher.runningCount();
    bus.emit("daemon.stopping", { at: new Date(this.options.clock.now()).toISOString(), running });
    if (running > 0) {
      bus.emit("log", { level: "info", message: `stopping: waiting up to ${Math.round(graceMs / 1000)}s for ${running} running run(s)` });
    }
    if (!(await this.launcher.drain(graceMs))) {
      bus.emit("log", { level: "warn", message: "grace period over: stopping the runs still going" });
      this.launcher.cancelAll(null);
      await this.launcher.drain(Number.POSITIVE_INFINITY);
    }
    await this.launcher.settled();
    if (!(await this.recorder.flush(RECORD_FLUSH_MS))) {
      bus.emit("log", { level: "error", message: `the state store did not take ${this.recorder.pending()} last change(s) in time; they are lost` });
    }
    this.detachJournal?.();
    if (this.clusterNode) await this.clusterNode.leave();
    else if (this.started) await store.releaseLease(this.nodeId).catch(() => undefined);
  }

  private listTasks(): string {
    const { tasks, workflows } = this.options.config;
    if (tasks.length + workflows.length === 0) return " (the configuration has no tasks)";
    const list = (what: string, jobs: Array<{ name: string }>) => (jobs.length ? `; ${what} are: ${jobs.map((j) => j.name).join(", ")}` : "");
    return `${list("tasks", tasks)}${list("workflows", workflows)}`;
  }
}
