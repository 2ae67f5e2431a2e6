/**
 * An idle daemon's periodic looks (the scheduler checking the clock, the one-off poller looking at
 * the store) share one beat, on multiples of 30 s of wall time: it wakes once per beat, not once per
 * look (on a machine that reclaims an idle process's memory, each wake-up costs milliseconds).
 */
import { describe, expect, test } from "vitest";
import { OneOffPoller } from "../../src/engine/one-off-poller.js";
import { EventBus } from "../../src/events/bus.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import { ManualClock, untilNextBeat, type Clock } from "../../src/time/clock.js";
import { cron, task } from "./schedule-harness.js";

/** The shared clock as one component sees it, noting the wall time of each timer it arms. */
function noting(clock: ManualClock, armedFor: string[]): Clock {
  return {
    now: () => clock.now(),
    setTimer: (ms, fn) => {
      armedFor.push(new Date(clock.now() + ms).toISOString());
      return clock.setTimer(ms, fn);
    },
  };
}

describe("the daemon's beat", () => {
  test("untilNextBeat is the time to the next multiple of the period, a whole period on one", () => {
    expect(untilNextBeat(Date.parse("2026-06-01T10:00:07Z"), 30_000)).toBe(23_000);
    expect(untilNextBeat(Date.parse("2026-06-01T10:00:30Z"), 30_000)).toBe(30_000);
    expect(untilNextBeat(Date.parse("2026-06-01T10:00:59.999Z"), 30_000)).toBe(1);
    expect(untilNextBeat(123, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  test("an idle scheduler and the one-off poller wake at the same instants", async () => {
    const clock = new ManualClock("2026-06-01T10:00:07.250Z");
    const scheduled: string[] = [];
    const polled: string[] = [];
    const tasks = [task("hourly", cron("17 * * * *"))];
    const scheduler = new Scheduler({ clock: noting(clock, scheduled), tasks, onFire: () => undefined, onMissed: () => undefined, onSlotHandled: () => undefined });
    const store = { duePendingRuns: async () => [], claimPendingRun: async () => false, nextPendingDueMs: async () => null };
    const poller = new OneOffPoller({ store, bus: new EventBus(), clock: noting(clock, polled), run: () => undefined });
    scheduler.start();
    poller.start(true);
    // Its first look, at start, reads the store before it arms the next one.
    for (let turns = 0; polled.length === 0 && turns < 100; turns++) await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(95_000);
    scheduler.stop();
    poller.stop();
    const beats = ["10:00:30", "10:01:00", "10:01:30", "10:02:00"].map((t) => `2026-06-01T${t}.000Z`);
    expect(scheduled.slice(0, 4)).toEqual(beats);
    expect(polled.slice(0, 4)).toEqual(beats);
  });
});
