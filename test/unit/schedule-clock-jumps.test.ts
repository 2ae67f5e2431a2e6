/**
 * The wall clock moves on its own (NTP steps, suspend, a VM restored): the loop must never fire
 * early, never fire a slot twice, and notice a jump within its 30 s timer cap.
 */
import { describe, expect, test } from "vitest";
import { ManualClock } from "../../src/time/clock.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import { HOUR, MINUTE, SECOND, cron, harness, iso, task } from "./schedule-harness.js";

describe("a clock that steps backwards", () => {
  test("doesn't fire the same slot twice when the system clock reverses", async () => {
    const h = harness("2026-06-01T10:00:30Z", [task("tick", cron("* * * * *"))]);
    h.scheduler.start();
    await h.clock.advance(3 * MINUTE); // fires 10:01, 10:02, 10:03
    h.clock.set("2026-06-01T10:00:30Z"); // NTP steps back three minutes
    await h.clock.advance(5 * MINUTE);
    h.scheduler.stop();
    const slots = h.slots();
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots).toEqual(["10:01", "10:02", "10:03", "10:04", "10:05"].map((t) => `2026-06-01T${t}:00.000Z`));
  });

  test("after a restart, a slot at or before the persisted last slot never fires again", async () => {
    const last = Date.parse("2026-06-01T10:05:00Z");
    const h = harness("2026-06-01T10:02:30Z", [task("tick", cron("* * * * *"), { catchUp: "all" })], { lastSlots: new Map([["tick", last]]) });
    h.scheduler.start();
    await h.clock.advance(4 * MINUTE);
    h.scheduler.stop();
    expect(h.slots()).toEqual(["2026-06-01T10:06:00.000Z"]);
    expect(h.missed).toEqual([]);
  });

  test("an every rhythm is not repeated either", async () => {
    const h = harness("2026-06-01T10:00:00Z", [task("ping", { kind: "every", intervalMs: 10 * SECOND })]);
    h.scheduler.start();
    await h.clock.advance(30 * SECOND); // 10:00:00, :10, :20, :30
    h.clock.set("2026-06-01T10:00:05Z");
    await h.clock.advance(40 * SECOND);
    h.scheduler.stop();
    const slots = h.slots();
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.at(-1)).toBe("2026-06-01T10:00:40.000Z");
  });
});

describe("never firing early", () => {
  test("a timer that wakes before the slot waits again", async () => {
    const clock = new ManualClock("2026-06-01T10:00:30Z");
    // A clock whose timers wake after half the time asked, as a clock stepped under them would.
    const early = { now: () => clock.now(), setTimer: (ms: number, fn: () => void) => clock.setTimer(Math.ceil(ms / 2), fn) };
    const calls: number[] = [];
    const scheduler = new Scheduler({ clock: early, tasks: [task("t", cron("* * * * *"))], onFire: () => calls.push(clock.now()) });
    scheduler.start();
    await clock.advance(5 * MINUTE);
    scheduler.stop();
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.every((at) => at % MINUTE === 0)).toBe(true);
  });

  test("the timer is capped at 30 s, so a long wait still re-checks the clock", () => {
    const h = harness("2026-06-01T10:00:30Z", [task("daily", cron("0 3 * * *"))]);
    h.scheduler.start();
    expect(h.clock.pendingTimers()).toBe(1);
    h.scheduler.stop();
    expect(h.clock.pendingTimers()).toBe(0);
  });

  test("a forward step is noticed within 30 s and goes through catch-up", async () => {
    const h = harness("2026-06-01T10:00:30Z", [task("daily", cron("0 11 * * *"), { catchUp: "latest" })]);
    h.scheduler.start();
    h.clock.set("2026-06-01T12:00:00Z"); // resumed from suspend
    await h.clock.advance(30 * SECOND);
    h.scheduler.stop();
    expect(h.fires).toEqual([{ task: "daily", slotMs: Date.parse("2026-06-01T11:00:00Z"), kind: "catch_up", coveredSlots: 1 }]);
    expect(h.calls[0]?.atMs).toBe(Date.parse("2026-06-01T12:00:30Z"));
  });

  test("a small forward step (under a minute) is only a late fire", async () => {
    const h = harness("2026-06-01T10:00:30Z", [task("tick", cron("* * * * *"))]);
    h.scheduler.start();
    h.clock.set("2026-06-01T10:01:20Z");
    await h.clock.advance(30 * SECOND);
    h.scheduler.stop();
    expect(h.fires).toEqual([{ task: "tick", slotMs: Date.parse("2026-06-01T10:01:00Z"), kind: "schedule", coveredSlots: 1 }]);
    expect(h.missed).toEqual([]);
  });
});

describe("idle", () => {
  test("with no scheduled tasks no timer is armed (no polling)", () => {
    const h = harness("2026-06-01T10:00:00Z", [task("manual-ish", { kind: "at", atMs: Date.parse("2020-01-01T00:00:00Z") }, { catchUpWindowMs: HOUR })]);
    h.scheduler.start();
    expect(h.clock.pendingTimers()).toBe(0);
    expect(h.missed).toHaveLength(1);
    expect(iso(h.missed[0]?.fromMs ?? 0)).toBe("2020-01-01T00:00:00.000Z");
  });
});
