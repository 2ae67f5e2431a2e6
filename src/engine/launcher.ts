import type { TaskSpec } from "../config/model.js";
import { TaskRun, type RunDeps } from "../run/execute-run.js";
import { evaluateSkips } from "../run/skip.js";
import type { Fire, MissedGap } from "../schedule/scheduler.js";
import { newRunRecord, type PendingRun, type RunRecord, type RunTrigger } from "../store/types.js";
import { oneOffTask } from "./one-off.js";

export interface LauncherOptions extends Omit<RunDeps, "outputLimitBytes"> {
  config: { history: { outputLimitBytes: number } };
  dryRun?: boolean;
}

/** A fire later than this is logged as late (the run still happens). */
const LATE_AFTER_MS = 1_000;
/**
 * How long a start waits for its record to be committed. The embedded store commits in well under
 * a millisecond; when the store is locked or slow the script starts anyway and the record follows.
 */
const CREATE_WAIT_MS = 250;
/** A task whose runs always outlast its schedule must not queue fires without end. */
const MAX_QUEUED = 100;

/**
 * Turns fires into runs: applies skip conditions and the task's concurrency policy, creates the
 * run record, and keeps track of what is running so that shutdown can wait for it or stop it.
 */
export class RunLauncher {
  private readonly active = new Map<string, TaskRun[]>();
  /** Fires waiting for the run before them (`concurrency: queue`): start one, or drop it unstarted. */
  private readonly queued = new Map<string, Array<{ start: () => void; drop: () => void }>>();
  private idleWaiters: Array<() => void> = [];
  /** Fires still deciding (skip conditions) whether to start: shutdown waits for them too. */
  private deciding = 0;
  private closed = false;

  constructor(private readonly options: LauncherOptions) {}

  async fire(task: TaskSpec, fire: Fire): Promise<RunRecord | null> {
    if (this.closed) return null;
    this.deciding++;
    try {
      return await this.decide(task, fire);
    } finally {
      this.deciding--;
      this.wakeIfIdle();
    }
  }

  private async decide(task: TaskSpec, fire: Fire): Promise<RunRecord | null> {
    const { bus, clock } = this.options;
    const scheduledAt = new Date(fire.slotMs);
    const trigger: RunTrigger = fire.kind;
    const lateMs = clock.now() - fire.slotMs - task.jitterMs;
    if (lateMs > LATE_AFTER_MS) {
      bus.emit("log", { level: "warn", task: task.name, message: `fire of ${scheduledAt.toISOString()} is ${Math.round(lateMs / 1000)}s late` });
    }
    if (fire.kind === "catch_up" && fire.coveredSlots > 1) {
      bus.emit("log", { level: "info", task: task.name, message: `catching up: one run for ${fire.coveredSlots} missed fires` });
    }

    // Most tasks have no skip rules: their fires go straight on, without building a skip context.
    if (task.skip.length > 0) {
      const { reason, errors } = await evaluateSkips(task.skip, {
        task: task.name,
        scheduledAt,
        timezone: task.timezone,
        cwd: task.cwd,
        env: { ...this.options.baseEnv, ...task.env },
      });
      for (const error of errors) bus.emit("log", { level: "warn", task: task.name, message: `skip condition could not be judged, not skipping: ${error}` });
      if (reason) return this.recordSkipped(task, trigger, scheduledAt, reason);
      if (this.closed) return null;
    }

    const running = this.active.get(task.name) ?? [];
    if (running.length > 0) {
      switch (task.concurrency) {
        case "forbid":
          return this.recordSkipped(task, trigger, scheduledAt, `previous run ${running[0]!.runId} still running (concurrency: forbid)`);
        case "replace":
          for (const run of running) run.cancel("cancelled", `replaced by the fire of ${scheduledAt.toISOString()}`, task.killGraceMs);
          break;
        case "queue": {
          const queue = this.queued.get(task.name) ?? [];
          if (queue.length >= MAX_QUEUED) {
            return this.recordSkipped(task, trigger, scheduledAt, `${MAX_QUEUED} fires already wait behind run ${running[0]!.runId} (concurrency: queue)`);
          }
          return new Promise((resolve) => {
            queue.push({ start: () => resolve(this.start(task, trigger, scheduledAt)), drop: () => resolve(null) });
            this.queued.set(task.name, queue);
          });
        }
        case "allow":
          break;
      }
    }
    return this.start(task, trigger, scheduledAt);
  }

  /** A one-off (`orchestrate schedule`) the poller has claimed: its record already says running. */
  async runClaimed(pending: PendingRun): Promise<RunRecord | null> {
    const { bus, clock } = this.options;
    if (this.closed) return null;
    const task = oneOffTask(pending.oneOff);
    const lateMs = clock.now() - pending.dueMs;
    if (lateMs > LATE_AFTER_MS) {
      bus.emit("log", { level: "warn", task: task.name, runId: pending.run.id, message: `one-off due at ${new Date(pending.dueMs).toISOString()} runs late, by ${Math.round(lateMs / 1000)}s` });
    }
    const run = { ...pending.run, status: "running" as const, startedAt: new Date(clock.now()).toISOString() };
    return this.track(new TaskRun({ task, run, scheduledAt: new Date(pending.dueMs) }, { ...this.options, outputLimitBytes: this.options.config.history.outputLimitBytes }));
  }

  /** `orchestrate trigger`: runs now, ignoring skips and concurrency, as a person asking for it expects. */
  async runNow(task: TaskSpec, trigger: RunTrigger): Promise<RunRecord | null> {
    return this.start(task, trigger, new Date(this.options.clock.now()));
  }

  private async start(task: TaskSpec, trigger: RunTrigger, scheduledAt: Date): Promise<RunRecord | null> {
    const { recorder, bus, clock } = this.options;
    if (this.options.dryRun) {
      bus.emit("log", { level: "info", task: task.name, message: `would run now (dry run; scheduled ${scheduledAt.toISOString()})` });
      return null;
    }
    const run = newRunRecord({
      id: await recorder.nextRunId(),
      task: task.name,
      trigger,
      status: "running",
      scheduledAt: scheduledAt.toISOString(),
      startedAt: new Date(clock.now()).toISOString(),
    });
    // The record is committed before the script starts, so a crash at any moment after this
    // leaves a run that the next start marks interrupted: a started run is never lost.
    if (!(await recorder.submitAndWait({ kind: "create", run: structuredClone(run) }, CREATE_WAIT_MS))) {
      bus.emit("log", { level: "warn", task: task.name, runId: run.id, message: "the state store is slow: starting before the run's record is saved" });
    }
    return this.track(new TaskRun({ task, run, scheduledAt }, { ...this.options, outputLimitBytes: this.options.config.history.outputLimitBytes }));
  }

  private async track(run: TaskRun): Promise<RunRecord> {
    const name = run.request.task.name;
    this.active.set(name, [...(this.active.get(name) ?? []), run]);
    try {
      return await run.done;
    } finally {
      const rest = (this.active.get(name) ?? []).filter((r) => r !== run);
      if (rest.length > 0) this.active.set(name, rest);
      else this.active.delete(name);
      this.queued.get(name)?.shift()?.start();
      this.wakeIfIdle();
    }
  }

  private wakeIfIdle(): void {
    if (this.active.size === 0 && this.deciding === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async recordSkipped(task: TaskSpec, trigger: RunTrigger, scheduledAt: Date, reason: string): Promise<null> {
    const { recorder, bus, clock } = this.options;
    const at = new Date(clock.now()).toISOString();
    const run = newRunRecord({ id: await recorder.nextRunId(), task: task.name, trigger, status: "skipped", scheduledAt: scheduledAt.toISOString(), finishedAt: at, reason });
    void recorder.submit({ kind: "create", run });
    bus.emit("run.skipped", { runId: run.id, task: task.name, at, reason, scheduledAt: run.scheduledAt });
    return null;
  }

  async recordMissed(gap: MissedGap): Promise<void> {
    const { recorder, bus, clock } = this.options;
    const at = new Date(clock.now()).toISOString();
    const from = new Date(gap.fromMs).toISOString();
    const to = new Date(gap.toMs).toISOString();
    const reason = `${gap.count} fire(s) from ${from} to ${to} fell in downtime and were not caught up`;
    const run = newRunRecord({ id: await recorder.nextRunId(), task: gap.task, trigger: "schedule", status: "missed", scheduledAt: from, finishedAt: at, reason });
    void recorder.submit({ kind: "create", run });
    bus.emit("run.missed", { runId: run.id, task: gap.task, at, count: gap.count, from, to });
  }

  runningCount(): number {
    let n = 0;
    for (const runs of this.active.values()) n += runs.length;
    return n;
  }

  /** Starts nothing new from now on; queued fires are dropped (they never started). */
  close(): void {
    this.closed = true;
    for (const queue of this.queued.values()) for (const fire of queue) fire.drop();
    this.queued.clear();
  }

  /** Waits until nothing runs, at most `timeoutMs`; true if everything finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.active.size === 0 && this.deciding === 0) return true;
    if (timeoutMs <= 0) return false;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    if (!Number.isFinite(timeoutMs)) return idle;
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.options.clock.setTimer(timeoutMs, () => resolve(false));
    });
    const finished = await Promise.race([idle, timeout]);
    timer?.cancel();
    return finished;
  }

  /** Stops every running run as `interrupted`; `graceMs` null uses each task's kill_grace. */
  cancelAll(graceMs: number | null): void {
    for (const runs of this.active.values()) {
      for (const run of runs) {
        run.cancel("interrupted", "the daemon stopped while this run was going", graceMs ?? run.request.task.killGraceMs);
      }
    }
  }
}
