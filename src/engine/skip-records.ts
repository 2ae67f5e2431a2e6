/**
 * The words of the records a fire leaves when it does not become a run: a skip (with the streak
 * of fires skipped for the same reason that one record covers) and a missed gap. The launcher
 * writes them here and `orchestrate why` reads them back here, so the two never drift apart.
 */

/** A queued fire the daemon's stop reached before it could start. */
export const STOPPED_BEFORE_TURN = "stopped before its turn";

/** The reason of a fire skipped because its task is paused. */
export function pausedReason(task: string): string {
  return `paused (orchestrate resume ${task})`;
}

/** The reason of a fire kept out by a run in its way (`concurrency: forbid`). */
export function forbidReason(blocker: string): string {
  return `${blocker} (concurrency: forbid)`;
}

/** The reason of a fire a full queue turned away (`concurrency: queue`). */
export function fullQueueReason(waiting: number, blocker: string): string {
  return `${waiting} fires already wait, ${blocker} (concurrency: queue)`;
}

/** What occupies a task's lane, in words: `previous run N still running` (on another node, in a cluster). */
export function blockerText(runId: number | null, node?: string): string {
  const where = node ? ` on ${node}` : "";
  return runId === null ? `the previous fire is still judging its skip conditions${where}` : `previous run ${runId} still running${where}`;
}

/** One skip record covering `count` consecutive fires skipped for `reason`. */
export function streakReason(reason: string, count: number, fromIso: string, toIso: string): string {
  return `${reason}; ${count} fires in a row, from ${fromIso} to ${toIso}`;
}

/** One missed record covering the fires of a gap. */
export function missedReason(count: number, fromIso: string, toIso: string): string {
  return `${count} fire(s) from ${fromIso} to ${toIso} fell in downtime and were not caught up`;
}

/** What a skipped or missed record says, read back. */
export interface ReadRecord {
  /** The reason the fire(s) were skipped, without the streak's count and window. */
  reason: string;
  /** How many fires the record covers, and their first and last slot (ms). */
  count: number;
  fromMs: number;
  toMs: number;
  /** Why, as a kind: what `why` reports. */
  cause: "paused" | "forbid" | "queue_full" | "stopped" | "condition" | "missed";
  /** The run in the way, for `forbid` and a full queue. */
  blockingRunId: number | null;
}

const STREAK = /^(.*); (\d+) fires in a row, from (\S+) to (\S+)$/s;
const MISSED = /^(\d+) fire\(s\) from (\S+) to (\S+) fell in downtime/;
const BLOCKER = /previous run (\d+) still running/;

/** Reads a skipped or missed record's reason; `scheduledAt` is its first slot. Null for other records. */
export function readRecord(status: string, reason: string | null, scheduledAt: string | null): ReadRecord | null {
  if (reason === null || scheduledAt === null) return null;
  if (status === "missed") {
    const missed = MISSED.exec(reason);
    if (!missed) return null;
    return { reason, count: Number(missed[1]), fromMs: Date.parse(missed[2]!), toMs: Date.parse(missed[3]!), cause: "missed", blockingRunId: null };
  }
  if (status !== "skipped") return null;
  const streak = STREAK.exec(reason);
  const base = streak ? streak[1]! : reason;
  const fromMs = streak ? Date.parse(streak[3]!) : Date.parse(scheduledAt);
  const toMs = streak ? Date.parse(streak[4]!) : fromMs;
  const blocker = BLOCKER.exec(base);
  const cause: ReadRecord["cause"] = base.startsWith("paused (")
    ? "paused"
    : base.endsWith("(concurrency: forbid)")
      ? "forbid"
      : base.endsWith("(concurrency: queue)")
        ? "queue_full"
        : base === STOPPED_BEFORE_TURN
          ? "stopped"
          : "condition";
  return { reason: base, count: streak ? Number(streak[2]) : 1, fromMs, toMs, cause, blockingRunId: blocker ? Number(blocker[1]) : null };
}
