import { describe, expect, it } from "vitest";
import { blockerText, forbidReason, fullQueueReason, missedReason, pausedReason, readRecord, STOPPED_BEFORE_TURN, streakReason } from "../../src/engine/skip-records.js";

const A = "2026-11-29T10:00:00.000Z";
const B = "2026-11-29T10:00:05.000Z";

describe("skip and missed records, written by the launcher and read back by why", () => {
  it("reads each kind of skip, alone and as a streak", () => {
    const cases: Array<[string, string, number | null]> = [
      [pausedReason("t"), "paused", null],
      [forbidReason(blockerText(41)), "forbid", 41],
      [forbidReason(blockerText(null)), "forbid", null],
      [fullQueueReason(100, blockerText(7)), "queue_full", 7],
      [STOPPED_BEFORE_TURN, "stopped", null],
      ["it is Sunday (skip.weekdays)", "condition", null],
      ["command `test -f x; echo a; b` exited 0", "condition", null],
    ];
    for (const [reason, cause, blocking] of cases) {
      expect(readRecord("skipped", reason, A)).toEqual({ reason, count: 1, fromMs: Date.parse(A), toMs: Date.parse(A), cause, blockingRunId: blocking });
      expect(readRecord("skipped", streakReason(reason, 6, A, B), A)).toEqual({ reason, count: 6, fromMs: Date.parse(A), toMs: Date.parse(B), cause, blockingRunId: blocking });
    }
  });

  it("reads a missed gap, and nothing from other records", () => {
    expect(readRecord("missed", missedReason(3, A, B), A)).toMatchObject({ count: 3, fromMs: Date.parse(A), toMs: Date.parse(B), cause: "missed" });
    expect(readRecord("succeeded", null, A)).toBeNull();
    expect(readRecord("failed", "whatever", A)).toBeNull();
  });
});
