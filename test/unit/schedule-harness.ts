/** Drives a Scheduler on a ManualClock and records what it reports, for the schedule-* tests. */
import type { Trigger } from "../../src/config/model.js";
import { ManualClock } from "../../src/time/clock.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import type { Fire, MissedGap, SchedulerTask } from "../../src/schedule/types.js";

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1_000;

export function task(name: string, trigger: Trigger, overrides: Partial<SchedulerTask> = {}): SchedulerTask {
  return { name, trigger, timezone: "UTC", jitterMs: 0, catchUp: "none", catchUpWindowMs: 24 * HOUR, ...overrides };
}

export function cron(expression: string): Trigger {
  return { kind: "cron", expression };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface Harness {
  clock: ManualClock;
  scheduler: Scheduler;
  fires: Fire[];
  /** Each fire with the wall-clock time onFire was called. */
  calls: Array<{ fire: Fire; atMs: number }>;
  missed: MissedGap[];
  handled: Map<string, number>;
  /** Every onSlotHandled call, in order. */
  handledLog: Array<[task: string, slotMs: number]>;
  /** Fired slots as ISO strings. */
  slots(): string[];
}

export function harness(start: string, tasks: SchedulerTask[], extra: { lastSlots?: Map<string, number>; random?: () => number } = {}): Harness {
  const clock = new ManualClock(start);
  const fires: Fire[] = [];
  const calls: Array<{ fire: Fire; atMs: number }> = [];
  const missed: MissedGap[] = [];
  const handled = new Map<string, number>();
  const handledLog: Array<[string, number]> = [];
  const scheduler = new Scheduler({
    clock,
    tasks,
    ...extra,
    onFire: (fire) => {
      fires.push(fire);
      calls.push({ fire, atMs: clock.now() });
    },
    onMissed: (gap) => missed.push(gap),
    onSlotHandled: (name, slotMs) => {
      handled.set(name, slotMs);
      handledLog.push([name, slotMs]);
    },
  });
  return { clock, scheduler, fires, calls, missed, handled, handledLog, slots: () => fires.map((f) => iso(f.slotMs)) };
}
