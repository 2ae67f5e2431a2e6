/** Each kind of trigger, as the daemon fires it and as `next` shows it (the same functions). */
import { describe, expect, test } from "vitest";
import { ManualClock, type Clock } from "../../src/time/clock.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import { nextFireAfter, upcomingFires } from "../../src/schedule/trigger.js";
import { HOUR, MINUTE, SECOND, cron, harness, iso, task } from "./schedule-harness.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");

describe("every: an anchored rhythm", () => {
  test("every 2s fires at start, start+2s, start+4s, ... and never drifts", async () => {
    const h = harness("2026-06-01T10:00:00.250Z", [task("ping", { kind: "every", intervalMs: 2 * SECOND })]);
    h.scheduler.start();
    await h.clock.advance(10 * SECOND);
    h.scheduler.stop();
    const start = Date.parse("2026-06-01T10:00:00.250Z");
    expect(h.fires.map((f) => f.slotMs - start)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(h.calls.every((c) => c.atMs === c.fire.slotMs)).toBe(true);
  });

  test("every: 2s keeps its rhythm: fires are anchored to the first one, not to the end of the previous run, so they never drift", async () => {
    const clock = new ManualClock("2026-06-01T10:00:00.250Z");
    const start = clock.now();
    // A busy machine: every timer the scheduler arms wakes 0 to 1.9 s late, never the same twice.
    let wake = 0;
    const lateClock: Clock = { now: () => clock.now(), setTimer: (ms, fn) => clock.setTimer(ms + ((wake++ * 7_919) % 1_900), fn) };
    // Each run takes 2.7 s, longer than the interval, so runs overlap and end off the beat.
    const fires: Array<{ slotMs: number; atMs: number }> = [];
    const runEnds: number[] = [];
    const scheduler = new Scheduler({
      clock: lateClock,
      tasks: [task("ping", { kind: "every", intervalMs: 2 * SECOND })],
      onFire: (fire) => {
        fires.push({ slotMs: fire.slotMs, atMs: clock.now() });
        clock.setTimer(2_700, () => runEnds.push(clock.now()));
      },
    });
    scheduler.start();
    await clock.advance(2 * SECOND * 1_000 - 1);
    scheduler.stop();

    expect(runEnds.length).toBeGreaterThan(990);
    expect(runEnds.some((end) => (end - start) % 2_000 !== 0)).toBe(true); // the runs did end off the beat
    expect(fires.map((f) => f.slotMs - start)).toEqual(Array.from({ length: 1_000 }, (_, k) => k * 2_000));
    expect(fires.every((f) => f.atMs >= f.slotMs && f.atMs - f.slotMs < 1_900)).toBe(true); // late, never early
    expect(new Set(fires.map((f) => f.atMs - f.slotMs)).size).toBeGreaterThan(100); // and late by varying amounts
  });

  test("after a restart it continues the old rhythm from the last slot", () => {
    const last = T0 + 250;
    expect(upcomingFires({ kind: "every", intervalMs: 30 * SECOND }, "UTC", T0 + 95 * SECOND, 2, last).map((t) => t - last)).toEqual([120_000, 150_000]);
  });

  test("nextFireAfter is strictly after", () => {
    expect(nextFireAfter({ kind: "every", intervalMs: 1000 }, "UTC", T0, T0)).toBe(T0 + 1000);
    expect(nextFireAfter({ kind: "every", intervalMs: 1000 }, "UTC", T0 - 1, T0)).toBe(T0);
  });
});

describe("cron", () => {
  test("fires on the minute, strictly after the time asked", () => {
    expect(upcomingFires(cron("*/20 * * * *"), "UTC", T0, 3, T0).map(iso)).toEqual([
      "2026-06-01T10:20:00.000Z",
      "2026-06-01T10:40:00.000Z",
      "2026-06-01T11:00:00.000Z",
    ]);
  });

  test("a slot exactly at start fires", () => {
    const h = harness("2026-06-01T10:00:00Z", [task("t", cron("0 10 * * *"))]);
    h.scheduler.start();
    expect(h.slots()).toEqual(["2026-06-01T10:00:00.000Z"]);
  });

  test("timezone decides the wall-clock time", () => {
    expect(iso(nextFireAfter(cron("0 9 * * *"), "Asia/Tokyo", T0, T0) ?? 0)).toBe("2026-06-02T00:00:00.000Z");
  });
});

describe("one-shots and start-up triggers", () => {
  test("at: fires once at its time, and `next` shows nothing after it", async () => {
    const atMs = T0 + 90 * MINUTE;
    const h = harness("2026-06-01T10:00:00Z", [task("once", { kind: "at", atMs })]);
    h.scheduler.start();
    await h.clock.advance(3 * HOUR);
    expect(h.fires).toEqual([{ task: "once", slotMs: atMs, kind: "schedule", coveredSlots: 1 }]);
    expect(h.scheduler.nextFires()).toEqual([]);
    expect(upcomingFires({ kind: "at", atMs }, "UTC", T0, 5, T0)).toEqual([atMs]);
  });

  test("delay: once, counted from start()", async () => {
    const h = harness("2026-06-01T10:00:00Z", [task("warm", { kind: "delay", delayMs: 10 * SECOND })]);
    await h.clock.advance(MINUTE); // loading the config took a while
    h.scheduler.start();
    await h.clock.advance(MINUTE);
    expect(h.slots()).toEqual(["2026-06-01T10:01:10.000Z"]);
  });

  test("reboot and cron @reboot: once at start, never again", async () => {
    const h = harness("2026-06-01T10:00:00Z", [task("boot", { kind: "reboot" }), task("boot2", cron("@reboot"))]);
    h.scheduler.start();
    await h.clock.advance(2 * HOUR);
    expect(h.fires.map((f) => [f.task, f.slotMs])).toEqual([
      ["boot", T0],
      ["boot2", T0],
    ]);
    expect(nextFireAfter({ kind: "reboot" }, "UTC", T0, T0)).toBeNull();
    expect(upcomingFires(cron("@reboot"), "UTC", T0, 3, T0)).toEqual([]);
  });
});

describe("jitter", () => {
  test("delays the call by random()*jitter, but the fire keeps its scheduled slot", async () => {
    const h = harness("2026-06-01T10:00:30Z", [task("t", cron("* * * * *"), { jitterMs: 20 * SECOND })], { random: () => 0.5 });
    h.scheduler.start();
    await h.clock.advance(2 * MINUTE);
    h.scheduler.stop();
    expect(h.calls.map((c) => [iso(c.fire.slotMs), c.atMs - c.fire.slotMs])).toEqual([
      ["2026-06-01T10:01:00.000Z", 10_000],
      ["2026-06-01T10:02:00.000Z", 10_000],
    ]);
  });

  test("a jitter longer than the interval never moves the persisted last slot backwards", async () => {
    const randoms = [0.9, 0.0];
    const h = harness("2026-06-01T10:00:00Z", [task("t", { kind: "every", intervalMs: 10 * SECOND }, { jitterMs: 30 * SECOND })], {
      random: () => randoms.shift() ?? 0,
    });
    h.scheduler.start();
    await h.clock.advance(40 * SECOND);
    expect(h.fires.map((f) => f.slotMs - T0).sort((a, b) => a - b)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    const handled = h.handledLog.map(([, slot]) => slot);
    expect(handled.length).toBeGreaterThan(1);
    expect(handled).toEqual([...handled].sort((a, b) => a - b));
  });

  test("stop() drops fires still waiting for their jitter", async () => {
    const h = harness("2026-06-01T10:00:30Z", [task("t", cron("* * * * *"), { jitterMs: 20 * SECOND })], { random: () => 0.5 });
    h.scheduler.start();
    await h.clock.advance(35 * SECOND);
    h.scheduler.stop();
    await h.clock.advance(MINUTE);
    expect(h.fires).toEqual([]);
    expect(h.clock.pendingTimers()).toBe(0);
  });
});
