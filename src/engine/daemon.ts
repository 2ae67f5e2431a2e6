import { hostname } from "node:os";
import type { OrchestrationConfig, TaskSpec } from "../config/model.js";
import type { EventBus } from "../events/bus.js";
import { killAllProcessGroups } from "../run/process.js";
import type { Clock, TimerHandle } from "../schedule/clock.js";
import { Scheduler, type Fire } from "../schedule/scheduler.js";
import type { RunStore } from "../store/types.js";
import { RunLauncher } from "./launcher.js";
import { OneOffPoller } from "./one-off-poller.js";
import { RunRecorder } from "./recorder.js";

export interface DaemonOptions {
  config: OrchestrationConfig;
  store: RunStore;
  bus: EventBus;
  clock: Clock;
  random: () => number;
  baseEnv: Record<string, string | undefined>;
  /** Log what would run, run nothing. */
  dryRun?: boolean;
}

const RETENTION_EVERY_MS = 3_600_000;
/** Once running, a write waits this long for a lock, then the recorder retries it later. */
const DAEMON_LOCK_WAIT_MS = 20;
/** How long a stopping daemon keeps trying to record what is still queued. */
const RECORD_FLUSH_MS = 10_000;

/**
 * `orchestrate run`: owns the store's daemon lock, recovers what a previous daemon left running,
 * feeds the scheduler's fires to the launcher, and on stop lets running work finish for a grace
 * period before killing it.
 */
export class Daemon {
  private scheduler: Scheduler | null = null;
  private readonly launcher: RunLauncher;
  private readonly recorder: RunRecorder;
  private readonly oneOffs: OneOffPoller;
  private readonly daemonId: string;
  private retentionTimer: TimerHandle | null = null;
  private stopping: Promise<void> | null = null;
  private readonly tasksByName: Map<string, TaskSpec>;

  constructor(private readonly options: DaemonOptions) {
    this.daemonId = `${hostname()}:${process.pid}:${options.clock.now()}`;
    this.recorder = new RunRecorder({ store: options.store, bus: options.bus, clock: options.clock });
    this.launcher = new RunLauncher({ ...options, recorder: this.recorder });
    this.tasksByName = new Map(options.config.tasks.map((t) => [t.name, t]));
    this.oneOffs = new OneOffPoller({
      store: options.store,
      bus: options.bus,
      clock: options.clock,
      run: (pending) =>
        void this.launcher.runClaimed(pending).catch((error: Error) =>
          options.bus.emit("log", { level: "error", runId: pending.run.id, message: `could not run one-off: ${error.message}` }),
        ),
    });
  }

  async start(): Promise<void> {
    const { store, bus, clock, config } = this.options;
    await store.acquireDaemonLock({
      daemonId: this.daemonId,
      pid: process.pid,
      host: hostname(),
      startedAt: new Date(clock.now()).toISOString(),
    });
    const now = new Date(clock.now()).toISOString();
    for (const runId of await store.interruptOrphanedRuns(now)) {
      const run = await store.getRun(runId);
      bus.emit("run.interrupted", { runId, task: run?.task ?? "?", at: now });
    }
    this.applyRetention();
    store.setLockWait(DAEMON_LOCK_WAIT_MS);

    const scheduled = config.tasks.filter((t): t is TaskSpec & { trigger: NonNullable<TaskSpec["trigger"]> } => t.trigger !== null);
    this.scheduler = new Scheduler({
      clock,
      random: this.options.random,
      tasks: scheduled.map((t) => ({
        name: t.name,
        trigger: t.trigger,
        timezone: t.timezone,
        jitterMs: t.jitterMs,
        catchUp: t.catchUp,
        catchUpWindowMs: t.catchUpWindowMs,
      })),
      lastSlots: await store.lastSlots(),
      onFire: (fire) => this.onFire(fire),
      onMissed: (gap) => void this.launcher.recordMissed(gap),
      onSlotHandled: (task, slotMs) => void this.recorder.submit({ kind: "slot", task, slotMs }),
    });
    this.scheduler.start();
    if (!this.options.dryRun) this.oneOffs.start();
    bus.emit("log", {
      level: "info",
      message: `orchestrate is running ${config.tasks.length} task(s) from ${config.file ?? "code"} (state: ${store.location})`,
    });
  }

  private onFire(fire: Fire): void {
    const task = this.tasksByName.get(fire.task);
    if (!task) return;
    void this.launcher.fire(task, fire).catch((error: Error) =>
      this.options.bus.emit("log", { level: "error", task: task.name, message: `could not start a run: ${error.message}` }),
    );
  }

  /** A one-off was scheduled in this process: look for it now. */
  wakeOneOffs(): void {
    this.oneOffs.wake();
  }

  private applyRetention(): void {
    const { store, bus, clock, config } = this.options;
    store
      .prune({ keepRuns: config.history.keepRuns, keepDays: config.history.keepDays, nowMs: clock.now() })
      .then((deleted) => {
        if (deleted > 0) bus.emit("log", { level: "debug", message: `retention removed ${deleted} old run(s)` });
      })
      .catch((error: Error) => bus.emit("log", { level: "warn", message: `retention failed: ${error.message}` }));
    this.retentionTimer = clock.setTimer(RETENTION_EVERY_MS, () => this.applyRetention());
  }

  /** Stops firing, waits up to `graceMs` for running invocations, then kills their process groups. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  /** A second interrupt: kill everything now. */
  async kill(): Promise<void> {
    this.launcher.cancelAll(0);
    killAllProcessGroups();
    await this.stop(0);
  }

  private async shutdown(graceMs: number): Promise<void> {
    const { store, bus } = this.options;
    this.scheduler?.stop();
    this.oneOffs.stop();
    this.launcher.close();
    this.retentionTimer?.cancel();
    const running = this.launcher.runningCount();
    if (running > 0) {
      bus.emit("log", { level: "info", message: `stopping: waiting up to ${Math.round(graceMs / 1000)}s for ${running} running run(s)` });
    }
    if (!(await this.launcher.drain(graceMs))) {
      bus.emit("log", { level: "warn", message: "grace period over: stopping the runs still going" });
      this.launcher.cancelAll(null);
      await this.launcher.drain(Number.POSITIVE_INFINITY);
    }
    if (!(await this.recorder.flush(RECORD_FLUSH_MS))) {
      bus.emit("log", { level: "error", message: `the state store did not take ${this.recorder.pending()} last change(s) in time; they are lost` });
    }
    await store.releaseDaemonLock(this.daemonId).catch(() => undefined);
  }
}
