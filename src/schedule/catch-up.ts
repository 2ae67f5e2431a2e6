/**
 * Deciding what to do with slots that came due: fire them, catch them up, or record them as
 * missed. Pure functions of (task, slots, now), so every rule here has an exact test.
 */
import { collectSlots, type SlotSpan } from "./slots.js";
import type { Fire, MissedGap, SchedulerTask } from "./types.js";

/**
 * A slot late by at most this much is an ordinary (late) fire; later than this, the daemon was
 * down, suspended or the clock jumped, and the task's catch_up policy decides. One minute is far
 * longer than a busy event loop or a timer woken late ever lags (seconds), and far shorter than
 * an outage anyone would call downtime. It is also longer than the loop's 30 s timer cap, so a
 * clock step is noticed before the slots it skips could be mistaken for merely late ones.
 */
export const LATE_TOLERANCE_MS = 60_000;

/** catch_up: all runs at most this many missed slots (SPEC §3); the older rest are recorded as missed. */
export const MAX_CATCH_UP_RUNS = 100;

export interface DuePlan {
  /** At most one gap: every slot this plan does not fire, oldest first to newest. */
  missed: MissedGap[];
  /** In slot order. */
  fires: Fire[];
  /** The newest slot this plan accounts for (fired or missed). */
  lastSlot: number;
}

/**
 * The slots of a cron or every task from `firstDueMs` up to `nowMs` (inclusive). The newest of
 * them is the task's fire, on time or late, when it is late by at most a minute; every older one
 * was missed (the daemon was down, suspended, or the clock jumped) and goes by the task's
 * catch_up policy, within its window. So a burst of slots found together never becomes a burst
 * of runs: after five seconds down a per-second task fires once, plus what catch_up asks for.
 */
export function planRecurring(task: SchedulerTask, anchorMs: number, firstDueMs: number, nowMs: number): DuePlan {
  const span = (from: number, to: number, keep: number): SlotSpan => collectSlots(task.trigger, task.timezone, anchorMs, from, to, keep);
  const windowStart = nowMs - task.catchUpWindowMs;

  const newest = span(Math.max(firstDueMs, nowMs - LATE_TOLERANCE_MS), nowMs, 1).last;
  const olderEnd = newest === null ? nowMs : newest - 1;
  const old = span(firstDueMs, Math.min(windowStart - 1, olderEnd), 0);
  const recent = span(Math.max(firstDueMs, windowStart), olderEnd, MAX_CATCH_UP_RUNS + 1);

  const missed: Array<Omit<MissedGap, "task">> = [];
  const fires: Fire[] = [];
  addMissed(missed, old);

  if (recent.count > 0) {
    if (task.catchUp === "none") addMissed(missed, recent);
    if (task.catchUp === "latest") {
      fires.push({ task: task.name, slotMs: recent.last as number, kind: "catch_up", coveredSlots: recent.count });
    }
    if (task.catchUp === "all") {
      const caught = recent.kept.slice(-MAX_CATCH_UP_RUNS);
      const dropped = recent.count - caught.length;
      if (dropped > 0) {
        const lastDropped = recent.kept.length > caught.length ? (recent.kept[0] as number) : (caught[0] as number) - 1;
        addMissed(missed, { count: dropped, first: recent.first, last: lastDropped, kept: [] });
      }
      for (const slotMs of caught) fires.push({ task: task.name, slotMs, kind: "catch_up", coveredSlots: 1 });
    }
  }
  if (newest !== null) fires.push({ task: task.name, slotMs: newest, kind: "schedule", coveredSlots: 1 });

  const lastSlot = Math.max(newest ?? -Infinity, recent.last ?? -Infinity, old.last ?? -Infinity);
  return { missed: mergeGap(task.name, missed), fires, lastSlot };
}

/**
 * A one-shot (`at`, `delay`) must not be silently lost: late within the catch-up window it still
 * runs once, whatever the catch_up policy (which is about repeated slots).
 */
export function planOneShot(task: SchedulerTask, slotMs: number, nowMs: number): DuePlan {
  const lateMs = nowMs - slotMs;
  if (lateMs <= LATE_TOLERANCE_MS) return { missed: [], fires: [{ task: task.name, slotMs, kind: "schedule", coveredSlots: 1 }], lastSlot: slotMs };
  if (lateMs <= task.catchUpWindowMs) return { missed: [], fires: [{ task: task.name, slotMs, kind: "catch_up", coveredSlots: 1 }], lastSlot: slotMs };
  return { missed: [{ task: task.name, count: 1, fromMs: slotMs, toMs: slotMs }], fires: [], lastSlot: slotMs };
}

function addMissed(missed: Array<Omit<MissedGap, "task">>, span: SlotSpan): void {
  if (span.count > 0 && span.first !== null && span.last !== null) missed.push({ count: span.count, fromMs: span.first, toMs: span.last });
}

/** One record per task and gap (SPEC §5): the pieces are adjacent stretches of one outage. */
function mergeGap(task: string, pieces: Array<Omit<MissedGap, "task">>): MissedGap[] {
  if (pieces.length === 0) return [];
  return [
    {
      task,
      count: pieces.reduce((sum, p) => sum + p.count, 0),
      fromMs: Math.min(...pieces.map((p) => p.fromMs)),
      toMs: Math.max(...pieces.map((p) => p.toMs)),
    },
  ];
}
