/**
 * After downtime (a restart with persisted last slots) or a forward clock jump, missed slots go
 * by the task's catch_up policy: none records one missed gap, latest runs once for them all,
 * all runs each (at most 100). Slots older than catch_up_window are only recorded as missed.
 */
import { describe, expect, test } from "vitest";
import type { CatchUpPolicy } from "../../src/config/model.js";
import { LATE_TOLERANCE_MS } from "../../src/schedule/catch-up.js";
import { HOUR, MINUTE, SECOND, cron, harness, iso, task } from "./schedule-harness.js";

const at = (time: string) => Date.parse(`2026-06-01T${time}Z`);

function restart(policy: CatchUpPolicy, opts: { now?: string; windowMs?: number; expression?: string } = {}) {
  const h = harness(`2026-06-01T${opts.now ?? "12:30:00"}Z`, [task("hourly", cron(opts.expression ?? "0 * * * *"), { catchUp: policy, catchUpWindowMs: opts.windowMs ?? 24 * HOUR })], {
    lastSlots: new Map([["hourly", at("09:00:00")]]),
  });
  h.scheduler.start();
  return h;
}

describe("catch_up: none", () => {
  test("the missed slots become one missed gap, and nothing runs until the next slot", () => {
    const h = restart("none");
    expect(h.fires).toEqual([]);
    expect(h.missed).toEqual([{ task: "hourly", count: 3, fromMs: at("10:00:00"), toMs: at("12:00:00") }]);
    expect(h.handled.get("hourly")).toBe(at("12:00:00"));
    expect(h.scheduler.nextFires()).toEqual([{ task: "hourly", atMs: at("13:00:00") }]);
  });
});

describe("catch_up: latest", () => {
  test("one catch-up run stands for all the missed slots", () => {
    const h = restart("latest");
    expect(h.fires).toEqual([{ task: "hourly", slotMs: at("12:00:00"), kind: "catch_up", coveredSlots: 3 }]);
    expect(h.missed).toEqual([]);
    expect(h.scheduler.lastSlot("hourly")).toBe(at("12:00:00"));
  });

  test("slots older than catch_up_window are recorded as missed, not caught up", () => {
    const h = restart("latest", { windowMs: 90 * MINUTE });
    expect(h.missed).toEqual([{ task: "hourly", count: 1, fromMs: at("10:00:00"), toMs: at("10:00:00") }]);
    expect(h.fires).toEqual([{ task: "hourly", slotMs: at("12:00:00"), kind: "catch_up", coveredSlots: 2 }]);
  });
});

describe("catch_up: all", () => {
  test("each missed slot runs, oldest first", () => {
    const h = restart("all");
    expect(h.fires.map((f) => [iso(f.slotMs), f.kind])).toEqual([
      ["2026-06-01T10:00:00.000Z", "catch_up"],
      ["2026-06-01T11:00:00.000Z", "catch_up"],
      ["2026-06-01T12:00:00.000Z", "catch_up"],
    ]);
  });

  test("at most 100 run: the newest; the older rest are recorded as missed", () => {
    const h = restart("all", { expression: "* * * * *", now: "12:00:30" });
    const caught = h.fires.filter((f) => f.kind === "catch_up");
    expect(caught).toHaveLength(100);
    expect(iso(caught[0]?.slotMs ?? 0)).toBe("2026-06-01T10:20:00.000Z");
    expect(iso(caught.at(-1)?.slotMs ?? 0)).toBe("2026-06-01T11:59:00.000Z");
    expect(h.missed).toEqual([{ task: "hourly", count: 79, fromMs: at("09:01:00"), toMs: at("10:19:00") }]);
    // 12:00 is only 30 s late: an ordinary (late) fire, not a catch-up.
    expect(h.fires.at(-1)).toEqual({ task: "hourly", slotMs: at("12:00:00"), kind: "schedule", coveredSlots: 1 });
  });
});

describe("late but within the tolerance", () => {
  test(`a slot late by up to ${LATE_TOLERANCE_MS / 1000} s is an ordinary fire, whatever the policy`, () => {
    const h = restart("none", { now: "10:00:20" });
    expect(h.fires).toEqual([{ task: "hourly", slotMs: at("10:00:00"), kind: "schedule", coveredSlots: 1 }]);
    expect(h.missed).toEqual([]);
  });
});

describe("a forward clock jump while running is handled like downtime", () => {
  test("each policy, after a 5-hour suspend", async () => {
    const expected = {
      none: { fires: 0, missed: 5 },
      latest: { fires: 1, missed: 0 },
      all: { fires: 5, missed: 0 },
    } as const;
    for (const policy of ["none", "latest", "all"] as const) {
      const h = harness("2026-06-01T09:30:00Z", [task("hourly", cron("0 * * * *"), { catchUp: policy })]);
      h.scheduler.start();
      h.clock.set("2026-06-01T14:30:00Z");
      await h.clock.advance(30 * SECOND);
      h.scheduler.stop();
      expect(h.fires.length, policy).toBe(expected[policy].fires);
      expect(h.missed.reduce((n, g) => n + g.count, 0), policy).toBe(expected[policy].missed);
      expect(h.fires.every((f) => f.kind === "catch_up")).toBe(true);
      expect(h.scheduler.lastSlot("hourly")).toBe(at("14:00:00"));
    }
  });
});

describe("a long outage of a per-second schedule", () => {
  test("is counted without enumerating every slot", () => {
    const start = Date.now();
    const h = harness("2026-06-08T09:00:00Z", [task("fast", cron("* * * * * *"), { catchUp: "latest", catchUpWindowMs: HOUR })], {
      lastSlots: new Map([["fast", at("09:00:00")]]),
    });
    h.scheduler.start();
    expect(Date.now() - start).toBeLessThan(2_000);
    const week = 7 * 24 * 3600;
    const missed = h.missed[0]?.count ?? 0;
    const caught = h.fires.find((f) => f.kind === "catch_up")?.coveredSlots ?? 0;
    const onTime = h.fires.filter((f) => f.kind === "schedule").length;
    // The newest slot is the fire; every older one in the window is caught up by one run.
    expect(onTime).toBe(1);
    expect(caught).toBe(3600);
    expect(missed + caught + onTime).toBe(week);
  });
});

describe("one-shots (at) are never silently lost", () => {
  const atTask = (windowMs: number) => task("once", { kind: "at", atMs: at("08:00:00") }, { catchUpWindowMs: windowMs });

  test("past, within catch_up_window: runs once at start as catch_up", () => {
    const h = harness("2026-06-01T10:00:00Z", [atTask(24 * HOUR)]);
    h.scheduler.start();
    expect(h.fires).toEqual([{ task: "once", slotMs: at("08:00:00"), kind: "catch_up", coveredSlots: 1 }]);
  });

  test("past, older than the window: recorded as missed", () => {
    const h = harness("2026-06-01T10:00:00Z", [atTask(HOUR)]);
    h.scheduler.start();
    expect(h.fires).toEqual([]);
    expect(h.missed).toEqual([{ task: "once", count: 1, fromMs: at("08:00:00"), toMs: at("08:00:00") }]);
  });

  test("already handled before a restart: nothing happens", () => {
    const h = harness("2026-06-01T10:00:00Z", [atTask(24 * HOUR)], { lastSlots: new Map([["once", at("08:00:00")]]) });
    h.scheduler.start();
    expect(h.fires).toEqual([]);
    expect(h.missed).toEqual([]);
  });
});

describe("several slots of one task found due at once (a short downtime, a stalled timer)", () => {
  /** A per-second task whose daemon was down from 12:00:00 (its last slot) to 12:00:05.5. */
  function shortDowntime(policy: CatchUpPolicy) {
    const h = harness("2026-06-01T12:00:05.500Z", [task("fast", cron("* * * * * *"), { catchUp: policy })], {
      lastSlots: new Map([["fast", at("12:00:00")]]),
    });
    h.scheduler.start();
    return h;
  }

  test("none: the newest slot fires; the four before it are one missed record", () => {
    const h = shortDowntime("none");
    expect(h.fires).toEqual([{ task: "fast", slotMs: at("12:00:05"), kind: "schedule", coveredSlots: 1 }]);
    expect(h.missed).toEqual([{ task: "fast", count: 4, fromMs: at("12:00:01"), toMs: at("12:00:04") }]);
  });

  test("latest: one catch-up run stands for the four, then the newest slot fires", () => {
    const h = shortDowntime("latest");
    expect(h.fires).toEqual([
      { task: "fast", slotMs: at("12:00:04"), kind: "catch_up", coveredSlots: 4 },
      { task: "fast", slotMs: at("12:00:05"), kind: "schedule", coveredSlots: 1 },
    ]);
    expect(h.missed).toEqual([]);
  });

  test("all: each of the four in order, then the newest slot", () => {
    const h = shortDowntime("all");
    expect(h.fires.map((f) => [iso(f.slotMs), f.kind])).toEqual([
      ["2026-06-01T12:00:01.000Z", "catch_up"],
      ["2026-06-01T12:00:02.000Z", "catch_up"],
      ["2026-06-01T12:00:03.000Z", "catch_up"],
      ["2026-06-01T12:00:04.000Z", "catch_up"],
      ["2026-06-01T12:00:05.000Z", "schedule"],
    ]);
  });
});
