import { isWorkflow, type TaskSpec, type WorkflowSpec } from "../config/model.js";
import { taskEnvironmentLenient } from "../run/environment.js";
import { evaluateSkips } from "../run/skip.js";
import { TaskRun, type ActiveRun, type RunDeps, type RunWriter } from "../run/task-run.js";
import { WorkflowRun } from "../workflow/workflow-run.js";
import type { Fire, MissedGap } from "../schedule/types.js";
import { newRunRecord, type PendingRun, type RunRecord, type RunTrigger } from "../store/types.js";
import type { TimerHandle } from "../time/clock.js";
import { describePlannedRun } from "./dry-run.js";
import { blockerText, forbidReason, fullQueueReason, missedReason, pausedReason, STOPPED_BEFORE_TURN, streakReason } from "./skip-records.js";

/** What every run gets (run/task-run.ts), plus run ids handed out at once. */
export interface LauncherOptions extends RunDeps {
  writer: RunWriter & { nextRunId(): number };
  /** Log what each fire would run; run nothing, record nothing. */
  dryRun?: boolean;
  /** Whether a task's scheduled fires are paused (`orchestrate pause`). */
  isPaused?: (name: string) => boolean;
  /** A task's lane has nothing running, deciding or waiting any more (a cluster frees its hold then). */
  onIdle?: (task: string) => void;
}

/** In a cluster: the run of another node that holds a task's lane. */
export interface HeldElsewhere {
  nodeId: string;
  runId: number | null;
}

/** What became of a fire asked for by name (the API's trigger): a run, a skip, or a place in the queue. */
export interface FireOutcome {
  status: "running" | "skipped" | "queued";
  /** The run started, or the record of the skip; null while it waits in the queue. */
  runId: number | null;
}

/** A fire later than this is logged as late (the run still happens). */
const LATE_AFTER_MS = 1_000;
/** A task whose runs always outlast its schedule must not queue fires without end. */
const MAX_QUEUED = 100;

/** A fire on its way to becoming a run. */
interface FireRequest {
  slotMs: number;
  trigger: RunTrigger;
  /** Armed when the task has a deadline: run.late unless the run has ended by then. */
  deadline?: TimerHandle;
  /** Once the fire became a run. */
  runId?: number;
  /** Told once, when the fire is started, skipped or queued. */
  decided?: (outcome: FireOutcome) => void;
  /** A person asked for it: pause and skip conditions are for schedules. */
  asked?: boolean;
}

/** A task or a workflow: what fires and becomes runs. Their names share one namespace. */
export type Job = TaskSpec | WorkflowSpec;

/** What occupies a lane: a run, or the processes of a run a dead daemon left behind. */
interface Occupant {
  runId: number;
  slotMs: number;
  /** The run's cancel; an orphan is being stopped already and ignores it. */
  cancel(status: "cancelled" | "interrupted", reason: string, graceMs: number): void;
  windDown(): void;
}

/**
 * One task's (or workflow's) bookkeeping: what runs, what waits its turn, and the skip record consecutive skips
 * extend. Every concurrency decision reads and changes it synchronously, so fires that arrive
 * together (after a restart, a clock jump, a burst of catch-ups) are decided one after another.
 */
class Lane {
  readonly running: Occupant[] = [];
  /** Fires judging their skip conditions: they count as running, so a second fire cannot slip past. */
  deciding = 0;
  readonly queue: FireRequest[] = [];
  streak: { runId: number; reason: string; count: number; firstSlotMs: number } | null = null;

  constructor(public job: Job) {}

  get busy(): boolean {
    return this.running.length > 0 || this.deciding > 0;
  }

  /** Why a fire must wait or be skipped: the run (or fire) in the way. */
  blocker(): string {
    return blockerText(this.running[0]?.runId ?? null);
  }
}

/**
 * Turns fires into runs: applies skip conditions and the task's concurrency policy, creates the
 * run record, and keeps track of what is running so that a stop can wait for it or end it. Run
 * state lives here, in memory; the store is its record, so a slow, locked or full store never
 * delays a start nor makes a finished run look running.
 */
export class RunLauncher {
  private readonly lanes = new Map<string, Lane>();
  /** Runs whose last event has not gone out yet (it waits, briefly, for their final record). */
  private readonly announcing = new Set<Promise<RunRecord>>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: LauncherOptions) {}

  /**
   * A scheduled (or caught-up) fire from the scheduler; decided at once. `elsewhere`: in a cluster,
   * the run on another node that holds the task's lane (a `forbid` task's fire is then skipped).
   */
  fire(task: Job, fire: Fire, elsewhere: HeldElsewhere | null = null): void {
    const { bus, clock } = this.options;
    const lateMs = clock.now() - fire.slotMs - task.jitterMs;
    if (lateMs > LATE_AFTER_MS) {
      bus.emit("log", { level: "warn", task: task.name, message: `fire of ${iso(fire.slotMs)} is ${Math.round(lateMs / 1000)}s late` });
    }
    if (fire.kind === "catch_up" && fire.coveredSlots > 1) {
      bus.emit("log", { level: "info", task: task.name, message: `catching up: one run for ${fire.coveredSlots} missed fires` });
    }
    this.admit(task, { slotMs: fire.slotMs, trigger: fire.kind }, elsewhere);
  }

  /**
   * A fire asked for through the daemon (the API): it goes through the task's concurrency policy
   * like a scheduled one, but not through pause or skip conditions — a person asked for it now.
   */
  request(task: Job, trigger: RunTrigger): Promise<FireOutcome> {
    return new Promise((resolve) => this.admit(task, { slotMs: this.options.clock.now(), trigger, decided: resolve, asked: true }));
  }

  /** `orchestrate trigger`: runs now, ignoring skips and concurrency, as a person asking for it expects. */
  runNow(task: Job, trigger: RunTrigger): Promise<RunRecord> {
    const run = this.start(task, this.laneOf(task), { slotMs: this.options.clock.now(), trigger });
    return run ? run.done : Promise.reject(new Error("nothing runs in a dry run"));
  }

  /** A one-off (`orchestrate schedule`) the poller has claimed: its record already says running. */
  runClaimed(task: TaskSpec, pending: PendingRun): Promise<RunRecord> | null {
    const { bus, clock } = this.options;
    if (this.closed) return null;
    const lateMs = clock.now() - pending.dueMs;
    if (lateMs > LATE_AFTER_MS) {
      bus.emit("log", { level: "warn", task: task.name, runId: pending.run.id, message: `one-off due at ${iso(pending.dueMs)} runs late, by ${Math.round(lateMs / 1000)}s` });
    }
    const run = { ...pending.run, status: "running" as const, startedAt: iso(clock.now()) };
    const taskRun = new TaskRun({ task, run, scheduledAt: new Date(pending.dueMs), recorded: true }, this.options);
    this.track(this.laneOf(task), taskRun, { slotMs: pending.dueMs, trigger: "once" });
    return taskRun.done;
  }

  /** Fires that fell in downtime and are not caught up: one record for the gap (SPEC §5). */
  recordMissed(gap: MissedGap): void {
    if (this.options.dryRun) return;
    const { writer, bus, clock } = this.options;
    const at = iso(clock.now());
    const from = iso(gap.fromMs);
    const to = iso(gap.toMs);
    const reason = missedReason(gap.count, from, to);
    const run = newRunRecord({ id: writer.nextRunId(), task: gap.task, trigger: "schedule", status: "missed", scheduledAt: from, finishedAt: at, reason });
    void writer.submit({ kind: "create", run });
    bus.emit("run.missed", { runId: run.id, task: gap.task, at, count: gap.count, from, to });
  }

  /**
   * A run a dead daemon left behind: its processes are being stopped (`gone` resolves when they
   * are). Until then the task's lane counts it as running, so the task never runs beside them.
   */
  holdFor(task: Job, run: RunRecord, gone: Promise<void>): void {
    const lane = this.laneOf(task);
    const occupant: Occupant = { runId: run.id, slotMs: Date.parse(run.scheduledAt ?? "") || 0, cancel: () => undefined, windDown: () => undefined };
    lane.running.push(occupant);
    void gone.finally(() => this.leave(lane, occupant));
  }

  private laneOf(job: Job): Lane {
    let lane = this.lanes.get(job.name);
    if (!lane) {
      lane = new Lane(job);
      this.lanes.set(job.name, lane);
    }
    lane.job = job;
    return lane;
  }

  /** The concurrency decision, made synchronously with the lane's bookkeeping. */
  private admit(task: Job, fire: FireRequest, elsewhere: HeldElsewhere | null = null): void {
    if (this.closed) return;
    const lane = this.laneOf(task);
    if (!fire.asked && this.options.isPaused?.(task.name)) return this.skip(lane, fire, pausedReason(task.name), false);
    this.armDeadline(task, fire);
    if (elsewhere && task.concurrency === "forbid") return this.skip(lane, fire, forbidReason(blockerText(elsewhere.runId, elsewhere.nodeId)));
    if (lane.busy || lane.queue.length > 0) {
      switch (task.concurrency) {
        case "forbid":
          return this.skip(lane, fire, forbidReason(lane.blocker()));
        case "queue":
          if (lane.queue.length >= MAX_QUEUED) return this.skip(lane, fire, fullQueueReason(MAX_QUEUED, lane.blocker()));
          lane.queue.push(fire);
          fire.decided?.({ status: "queued", runId: null });
          return;
        case "replace":
        case "allow":
          break;
      }
    }
    this.decide(lane, fire);
  }

  /** Skip conditions, then the start. A task without them starts in the same tick as its fire. */
  private decide(lane: Lane, fire: FireRequest): void {
    const task = lane.job;
    const rules = fire.asked ? [] : this.options.dryRun ? task.skip.filter((rule) => rule.kind !== "command") : task.skip;
    if (rules.length === 0) {
      this.start(task, lane, fire);
      return;
    }
    lane.deciding++;
    const { bus, executor, baseEnv } = this.options;
    void evaluateSkips(rules, {
      task: task.name,
      scheduledAt: new Date(fire.slotMs),
      timezone: task.timezone,
      cwd: task.cwd,
      env: taskEnvironmentLenient(baseEnv, task),
      account: task.account,
      executor,
    }).then(({ reason, errors }) => {
      lane.deciding--;
      for (const error of errors) bus.emit("log", { level: "warn", task: task.name, message: `skip condition could not be judged, not skipping: ${error}` });
      if (this.closed) this.skip(lane, fire, STOPPED_BEFORE_TURN);
      else if (reason) this.skip(lane, fire, reason, false);
      else this.start(lane.job, lane, fire);
      this.next(lane);
      this.wakeIfIdle();
    });
  }

  private start(task: Job, lane: Lane, fire: FireRequest): ActiveRun | null {
    const { writer, bus, clock } = this.options;
    lane.streak = null;
    if (task.concurrency === "replace") {
      for (const old of lane.running) old.cancel("cancelled", `replaced by the fire of ${iso(fire.slotMs)}`, task.killGraceMs);
    }
    if (this.options.dryRun) {
      fire.deadline?.cancel();
      for (const line of describePlannedRun(task, new Date(fire.slotMs), this.options.baseEnv)) {
        bus.emit("log", { level: "info", task: task.name, message: `dry run, ${fire.trigger} fire of ${iso(fire.slotMs)}: ${line}` });
      }
      return null;
    }
    const run = newRunRecord({
      id: writer.nextRunId(),
      task: task.name,
      trigger: fire.trigger,
      status: "running",
      scheduledAt: iso(fire.slotMs),
      startedAt: iso(clock.now()),
    });
    const scheduledAt = new Date(fire.slotMs);
    const active = isWorkflow(task) ? new WorkflowRun({ workflow: task, run, scheduledAt }, this.options) : new TaskRun({ task, run, scheduledAt }, this.options);
    this.track(lane, active, fire);
    return active;
  }

  /** The lane holds the run until its final status is known (not until the store has it). */
  private track(lane: Lane, taskRun: ActiveRun, fire: FireRequest): void {
    const occupant: Occupant = {
      runId: taskRun.runId,
      slotMs: fire.slotMs,
      cancel: (status, reason, graceMs) => taskRun.cancel(status, reason, graceMs),
      windDown: () => taskRun.windDown(),
    };
    lane.running.push(occupant);
    fire.runId = taskRun.runId;
    fire.decided?.({ status: "running", runId: taskRun.runId });
    this.announcing.add(taskRun.done);
    void taskRun.done.finally(() => this.announcing.delete(taskRun.done));
    void taskRun.ended.then(() => {
      fire.deadline?.cancel();
      this.leave(lane, occupant);
    });
  }

  private leave(lane: Lane, occupant: Occupant): void {
    const i = lane.running.indexOf(occupant);
    if (i >= 0) lane.running.splice(i, 1);
    this.next(lane);
    this.wakeIfIdle();
    this.tellIfIdle(lane);
  }

  private tellIfIdle(lane: Lane): void {
    if (!lane.busy && lane.queue.length === 0) this.options.onIdle?.(lane.job.name);
  }

  /** `concurrency: queue`: the next waiting fire, once nothing of the task runs. */
  private next(lane: Lane): void {
    if (lane.busy || lane.queue.length === 0) return;
    const fire = lane.queue.shift()!;
    if (this.closed) return this.skip(lane, fire, STOPPED_BEFORE_TURN);
    this.decide(lane, fire);
  }

  /**
   * A fire recorded as skipped. Consecutive skips of a task for the same reason extend one record
   * (its count and window), as a missed gap does: a long run of a per-second `forbid` task leaves
   * one record behind it, not one a second.
   */
  /** `blocked`: kept out by something in its way (a run, a full queue, a stop), not skipped on purpose. */
  private skip(lane: Lane, fire: FireRequest, reason: string, blocked = true): void {
    fire.deadline?.cancel();
    if (this.options.dryRun) return;
    const { writer, bus, clock } = this.options;
    const task = lane.job.name;
    const at = iso(clock.now());
    const scheduledAt = iso(fire.slotMs);
    const streak = lane.streak;
    let runId: number;
    if (streak && streak.reason === reason) {
      streak.count++;
      runId = streak.runId;
      const text = streakReason(reason, streak.count, iso(streak.firstSlotMs), scheduledAt);
      void writer.submit({ kind: "update", id: runId, patch: { reason: text, finishedAt: at } });
    } else {
      const run = newRunRecord({ id: writer.nextRunId(), task, trigger: fire.trigger, status: "skipped", scheduledAt, finishedAt: at, reason });
      runId = run.id;
      lane.streak = { runId, reason, count: 1, firstSlotMs: fire.slotMs };
      void writer.submit({ kind: "create", run });
    }
    bus.emit("run.skipped", { runId, task, at, reason, scheduledAt });
    this.tellIfIdle(lane);
    // With a deadline, a fire that was kept from ever becoming a run is missed (SPEC §3).
    if (blocked && lane.job.deadlineMs !== null) bus.emit("run.missed", { runId, task, at, count: 1, from: scheduledAt, to: scheduledAt });
    fire.decided?.({ status: "skipped", runId });
  }

  /**
   * `deadline:`: run.late once, if the fire has not become a finished run this long after its slot
   * (still running, retrying, or waiting its turn). A fire that ends as a skip or a finished run
   * disarms it; a failure is reported as such, not as lateness.
   */
  private armDeadline(task: Job, fire: FireRequest): void {
    if (task.deadlineMs === null || this.options.dryRun) return;
    const { bus, clock } = this.options;
    const deadlineMs = task.deadlineMs;
    fire.deadline = clock.setTimer(fire.slotMs + deadlineMs - clock.now(), () => {
      bus.emit("run.late", { runId: fire.runId ?? null, task: task.name, at: iso(clock.now()), scheduledAt: iso(fire.slotMs), deadlineMs });
    });
  }

  /** Stops a run this daemon is running (the API's cancel): its process groups get their kill_grace. */
  cancelRun(runId: number, reason: string): boolean {
    for (const lane of this.lanes.values()) {
      const run = lane.running.find((r) => r.runId === runId);
      if (run) {
        run.cancel("cancelled", reason, lane.job.killGraceMs);
        return true;
      }
    }
    return false;
  }

  /** The ids of a task's runs going now, and the name of the task a running run belongs to. */
  runningOf(name: string): number[] {
    return this.lanes.get(name)?.running.map((r) => r.runId) ?? [];
  }

  taskOfRunning(runId: number): string | null {
    for (const lane of this.lanes.values()) if (lane.running.some((r) => r.runId === runId)) return lane.job.name;
    return null;
  }

  runningCount(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.running.length;
    return n;
  }

  /**
   * Starts nothing new from now on. Fires waiting their turn are recorded as skipped ("stopped
   * before its turn"); runs wind down: what waits out a retry backoff ends at once, interrupted,
   * with the error of its last attempt (a stop does not wait for a retry nor make one), and a
   * workflow starts no further step.
   */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      for (const fire of lane.queue.splice(0)) this.skip(lane, fire, STOPPED_BEFORE_TURN);
      for (const run of lane.running) run.windDown();
    }
    this.wakeIfIdle();
  }

  /** Waits until nothing runs, at most `timeoutMs`; true if everything finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.idle()) return true;
    if (timeoutMs <= 0) return false;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    if (!Number.isFinite(timeoutMs)) return idle;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.options.clock.setTimer(timeoutMs, () => resolve(false));
    });
    const finished = await Promise.race([idle, timeout]);
    timer?.cancel();
    return finished;
  }

  /** Resolves once every run that ended has announced itself (its final event is out). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.announcing]);
  }

  /** Stops every running run as `interrupted`; `graceMs` null uses each task's kill_grace. */
  cancelAll(graceMs: number | null): void {
    for (const lane of this.lanes.values()) {
      for (const run of lane.running) run.cancel("interrupted", "the daemon stopped while this run was going", graceMs ?? lane.job.killGraceMs);
    }
  }

  private idle(): boolean {
    for (const lane of this.lanes.values()) if (lane.busy) return false;
    return true;
  }

  private wakeIfIdle(): void {
    if (this.idle()) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
