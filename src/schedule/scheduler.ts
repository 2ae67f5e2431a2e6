/**
 * The timer loop. Per task it keeps only numbers (next slot, last slot, anchor); fire times are
 * computed on demand, and ONE timer is armed for the earliest next slot across all tasks (a
 * min-heap), capped at `maxTimerMs` so clock steps and suspends are noticed within that time.
 *
 * A fire is identified by (task, slot): a slot at or before a task's last handled slot never
 * fires, so a clock that steps backwards cannot repeat runs, and a timer that wakes early just
 * waits again. Slots found late (downtime, suspend, forward clock step) go through catch-up.ts.
 */
import type { Fire, MissedGap, SchedulerTask, Trigger } from "./types.js";
import { planOneShot, planRecurring, type DuePlan } from "./catch-up.js";
import { DAEMON_BEAT_MS, untilNextBeat, type Clock, type TimerHandle } from "../time/clock.js";
import { isReboot } from "./cron-dialect.js";
import { MinHeap } from "./heap.js";
import { nextFireAfter } from "./trigger.js";

export interface SchedulerOptions {
  clock: Clock;
  tasks: SchedulerTask[];
  /** Each task's last handled slot, persisted by the engine across restarts. */
  lastSlots?: Map<string, number>;
  /** Must not throw. Called when a slot is due (after jitter). */
  onFire(fire: Fire): void;
  onMissed?(gap: MissedGap): void;
  /** The engine persists it; called before the slot's onFire, so a slot is never fired twice. */
  onSlotHandled?(task: string, slotMs: number): void;
  random?: () => number;
  maxTimerMs?: number;
}

interface TaskState {
  readonly task: SchedulerTask;
  /** The next slot to fire, or null when the task has none left. */
  next: number | null;
  /** The newest slot decided (fired, caught up or missed): nothing at or before it fires again. */
  last: number | null;
  /** The newest slot reported through onSlotHandled (jitter can deliver slots out of order). */
  persisted: number | null;
  /** Start of an `every` rhythm, and what a `delay` counts from. */
  anchor: number;
}

/** A slot due less than this long ago is on time: cron's finest step is a second, so none lies between it and now. */
const ON_TIME_MS = 1_000;

export class Scheduler {
  private readonly states = new Map<string, TaskState>();
  private readonly due = new MinHeap<TaskState>((s) => s.next as number);
  private readonly jitterTimers = new Set<TimerHandle>();
  private timer: TimerHandle | null = null;
  private running = false;
  /** Fired on time in the last tick, their next slot not worked out yet (firedOnTime). */
  private deferred: TaskState[] = [];

  constructor(private readonly options: SchedulerOptions) {
    for (const task of options.tasks) {
      const last = options.lastSlots?.get(task.name) ?? null;
      this.states.set(task.name, { task, next: null, last, persisted: last, anchor: 0 });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.due.clear();
    this.deferred = [];
    const now = this.options.clock.now();
    const reboots: TaskState[] = [];
    for (const state of this.states.values()) {
      if (isRebootTrigger(state.task.trigger)) reboots.push(state);
      else this.arm(state, now);
    }
    for (const state of reboots) this.fire(state, { task: state.task.name, slotMs: now, kind: "schedule", coveredSlots: 1 }, false);
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    for (const handle of this.jitterTimers) handle.cancel();
    this.jitterTimers.clear();
  }

  /**
   * A new set of tasks while running (a reload): a task whose schedule is unchanged keeps its
   * state — next slot, last slot, jitter already drawn — so no fire is lost or doubled; a task whose
   * schedule changed re-arms from now, never firing a slot at or before its last one; a new task
   * arms as at a start (but a new @reboot waits for the next start); a removed one stops firing.
   */
  reconfigure(tasks: SchedulerTask[]): { added: string[]; removed: string[]; rearmed: string[] } {
    const now = this.options.clock.now();
    const added: string[] = [];
    const rearmed: string[] = [];
    const wanted = new Map(tasks.map((task) => [task.name, task]));
    const removed = [...this.states.keys()].filter((name) => !wanted.has(name));
    for (const name of removed) this.states.delete(name);
    for (const task of tasks) {
      const old = this.states.get(task.name);
      if (old && sameSchedule(old.task, task)) {
        this.states.set(task.name, { ...old, task });
        continue;
      }
      const last = old?.last ?? this.options.lastSlots?.get(task.name) ?? null;
      const state: TaskState = { task, next: null, last, persisted: old?.persisted ?? last, anchor: now };
      this.states.set(task.name, state);
      (old ? rearmed : added).push(task.name);
      if (old) this.rearm(state, now);
      else if (!isRebootTrigger(task.trigger)) this.arm(state, now);
    }
    // The heap holds the old states: rebuilt from the new ones (a reload is rare; n log n is nothing).
    // A state fired on time and not re-armed yet is in it too: its stale slot re-arms when popped.
    this.deferred = [];
    this.due.clear();
    for (const state of this.states.values()) if (state.next !== null) this.due.push(state);
    if (this.running) this.armTimer(now);
    return { added, removed, rearmed };
  }

  lastSlot(task: string): number | null {
    return this.states.get(task)?.last ?? null;
  }

  nextFires(): Array<{ task: string; atMs: number }> {
    // Asked between a tick and the next: what fired on time is worked out now rather than left out.
    this.armDeferred();
    return this.due
      .toArray()
      .map((s) => ({ task: s.task.name, atMs: s.next as number }))
      .sort((a, b) => a.atMs - b.atMs || a.task.localeCompare(b.task));
  }

  /** The first slot of a task at start: resuming after its last slot (so downtime is caught up), or fresh from now. */
  private arm(state: TaskState, now: number): void {
    const { trigger, timezone } = state.task;
    switch (trigger.kind) {
      case "every":
        state.anchor = state.last ?? now;
        state.next = state.last === null ? now : nextFireAfter(trigger, timezone, state.last, state.anchor);
        break;
      case "cron":
        state.anchor = now;
        state.next = nextFireAfter(trigger, timezone, state.last ?? now - 1, now);
        break;
      case "at":
        state.next = state.last !== null && state.last >= trigger.atMs ? null : trigger.atMs;
        break;
      case "delay":
        state.anchor = now;
        state.next = now + trigger.delayMs;
        break;
      case "reboot":
        state.next = null;
        break;
    }
    if (state.next !== null) this.due.push(state);
  }

  /** A changed schedule counts from now: its next slot after now (and after its last), an interval from now, a delay from now. */
  private rearm(state: TaskState, now: number): void {
    const { trigger, timezone } = state.task;
    const after = Math.max(state.last ?? Number.NEGATIVE_INFINITY, now);
    switch (trigger.kind) {
      case "every":
        state.anchor = now;
        state.next = now + trigger.intervalMs;
        break;
      case "cron":
      case "at":
      case "delay":
        state.next = nextFireAfter(trigger, timezone, after, now);
        break;
      case "reboot":
        state.next = null;
        break;
    }
  }

  private tick(): void {
    if (!this.running) return;
    this.timer = null;
    this.armDeferred();
    const now = this.options.clock.now();
    for (let top = this.due.peek(); top && (top.next as number) <= now; top = this.due.peek()) {
      this.due.pop();
      if (this.firedOnTime(top, now)) continue;
      this.handleDue(top, now);
      if (!this.running) return;
      if (top.next !== null) this.due.push(top);
    }
    this.armTimer(now);
  }

  /**
   * The usual case, kept off the schedule arithmetic: a recurring slot that came due less than a
   * second ago (and less than one interval) has no other slot between it and now, nothing to catch
   * up, so it fires at once, as planRecurring would have it. Its next slot, a croner computation
   * costing a fraction of a millisecond in a zone, is worked out once every fire of this tick is
   * on its way, at the next tick, 0 ms later (armDeferred): a hundred tasks due together would
   * otherwise each start that much later than the one before.
   */
  private firedOnTime(state: TaskState, now: number): boolean {
    const { trigger } = state.task;
    const slot = state.next as number;
    if (trigger.kind !== "cron" && trigger.kind !== "every") return false;
    if (state.last !== null && slot <= state.last) return false;
    if (now - slot >= Math.min(ON_TIME_MS, trigger.kind === "every" ? trigger.intervalMs : ON_TIME_MS)) return false;
    state.last = slot;
    this.deferred.push(state);
    this.fire(state, { task: state.task.name, slotMs: slot, kind: "schedule", coveredSlots: 1 }, true);
    return true;
  }

  /** The next slot of the tasks fired on time, now that their runs are on their way. */
  private armDeferred(): void {
    const states = this.deferred;
    this.deferred = [];
    for (const state of states) {
      // Removed meanwhile, or replaced by a reload (which put the new state in the heap itself).
      if (this.states.get(state.task.name) !== state) continue;
      state.next = nextFireAfter(state.task.trigger, state.task.timezone, state.last as number, state.anchor);
      if (state.next !== null) this.due.push(state);
    }
  }

  private armTimer(now: number): void {
    this.timer?.cancel();
    this.timer = null;
    const top = this.due.peek();
    if (!top && this.deferred.length === 0) return; // nothing will ever be due: no timer, no polling
    const dueIn = this.deferred.length > 0 || !top ? 0 : (top.next as number) - now;
    const waitMs = Math.min(Math.max(0, dueIn), untilNextBeat(now, this.options.maxTimerMs ?? DAEMON_BEAT_MS));
    this.timer = this.options.clock.setTimer(waitMs, () => this.tick());
  }

  private handleDue(state: TaskState, now: number): void {
    const { trigger, timezone } = state.task;
    const slot = state.next as number;
    if (state.last !== null && slot <= state.last) {
      state.next = nextFireAfter(trigger, timezone, state.last, state.anchor);
      return;
    }
    const oneShot = trigger.kind === "at" || trigger.kind === "delay";
    const plan = oneShot ? planOneShot(state.task, slot, now) : planRecurring(state.task, state.anchor, slot, now);
    state.last = plan.lastSlot;
    state.next = oneShot ? null : nextFireAfter(trigger, timezone, plan.lastSlot, state.anchor);
    this.apply(state, plan);
  }

  private apply(state: TaskState, plan: DuePlan): void {
    for (const gap of plan.missed) {
      this.persist(state, gap.toMs);
      guard(() => this.options.onMissed?.(gap));
    }
    for (const fire of plan.fires) this.fire(state, fire, true);
  }

  /** Catch-up fires are immediate; scheduled ones wait their jitter, timed by elapsed time so clock steps don't stretch it. */
  private fire(state: TaskState, fire: Fire, persist: boolean): void {
    const delayMs = fire.kind === "schedule" ? Math.floor((this.options.random ?? Math.random)() * state.task.jitterMs) : 0;
    const deliver = () => {
      if (persist) this.persist(state, fire.slotMs);
      guard(() => this.options.onFire(fire));
    };
    if (delayMs <= 0) return deliver();
    const handle = this.options.clock.setTimer(delayMs, () => {
      this.jitterTimers.delete(handle);
      if (this.running) deliver();
    });
    this.jitterTimers.add(handle);
  }

  private persist(state: TaskState, slotMs: number): void {
    if (state.persisted !== null && slotMs <= state.persisted) return;
    state.persisted = slotMs;
    guard(() => this.options.onSlotHandled?.(state.task.name, slotMs));
  }
}

/** Whether two versions of a task fire at the same times (everything else about it may differ). */
function sameSchedule(a: SchedulerTask, b: SchedulerTask): boolean {
  return (
    JSON.stringify(a.trigger) === JSON.stringify(b.trigger) &&
    a.timezone === b.timezone &&
    a.jitterMs === b.jitterMs &&
    a.catchUp === b.catchUp &&
    a.catchUpWindowMs === b.catchUpWindowMs
  );
}

function isRebootTrigger(trigger: Trigger): boolean {
  return trigger.kind === "reboot" || (trigger.kind === "cron" && isReboot(trigger.expression));
}

/** A throwing callback must not break the loop for every other task; the error still surfaces, uncaught. */
function guard(call: () => void): void {
  try {
    call();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
