/**
 * Daylight saving, Vixie cron's rule, across real 2026 transitions: a fixed time that does not
 * exist runs once right after the jump; a fixed time that occurs twice runs once, at its first
 * occurrence; wildcard schedules keep their real-time rhythm.
 */
import { describe, expect, test } from "vitest";
import { nextCronFire } from "../../src/schedule/cron.js";
import { upcomingFires } from "../../src/schedule/trigger.js";
import { HOUR, cron, harness, iso, task } from "./schedule-harness.js";

function fires(expression: string, timezone: string, from: string, n: number): string[] {
  return upcomingFires(cron(expression), timezone, Date.parse(from), n, Date.parse(from)).map(iso);
}

describe("Europe/Berlin: spring forward on 2026-03-29 (02:00 CET -> 03:00 CEST)", () => {
  test("a daily 02:30 runs once right after the jump, then at 02:30 again", () => {
    expect(fires("30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
    expect(nextCronFire("30 2 * * *", "Europe/Berlin", Date.parse("2026-03-28T12:00:00Z"))).toBe(Date.parse("2026-03-29T01:00:00Z"));
  });

  test("two fixed times in the gap run once, together, after the jump", () => {
    expect(fires("0,30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2)).toEqual(["2026-03-29T01:00:00.000Z", "2026-03-30T00:00:00.000Z"]);
  });

  test("a list of hours is fixed-time too (fixedTimeRule no-wildcard)", () => {
    expect(fires("30 2,14 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 2)).toEqual(["2026-03-29T01:00:00.000Z", "2026-03-29T12:30:00.000Z"]);
  });

  test("a stepped hour range (0-4/2) is fixed-time as in Vixie cron, so 02:30 still runs", () => {
    expect(fires("30 0-4/2 * * *", "Europe/Berlin", "2026-03-28T22:00:00Z", 3)).toEqual([
      "2026-03-28T23:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T02:30:00.000Z",
    ]);
  });

  test("*/15 keeps its real-time rhythm through the jump", () => {
    expect(fires("*/15 * * * *", "Europe/Berlin", "2026-03-29T00:20:00Z", 4)).toEqual([
      "2026-03-29T00:30:00.000Z",
      "2026-03-29T00:45:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:15:00.000Z",
    ]);
  });

  test("a wildcard-hour minute that does not exist is skipped, not piled up", () => {
    expect(fires("30 * * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 2)).toEqual(["2026-03-29T00:30:00.000Z", "2026-03-29T01:30:00.000Z"]);
  });
});

describe("Europe/Berlin: fall back on 2026-10-25 (03:00 CEST -> 02:00 CET)", () => {
  test("a daily 02:30 runs once, at its first occurrence", () => {
    expect(fires("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  test("asked between the two occurrences, it does not run the second one", () => {
    expect(nextCronFire("30 2 * * *", "Europe/Berlin", Date.parse("2026-10-25T00:30:00Z"))).toBe(Date.parse("2026-10-26T01:30:00Z"));
    expect(nextCronFire("30 2 * * *", "Europe/Berlin", Date.parse("2026-10-25T00:45:00Z"))).toBe(Date.parse("2026-10-26T01:30:00Z"));
  });

  test("an hour range (2-3) runs 02:30 once and 03:30 once", () => {
    expect(fires("30 2-3 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00.000Z"]);
  });

  test("a stepped hour range (0-4/2) runs 02:30 once (croner alone would run it twice)", () => {
    expect(fires("30 0-4/2 * * *", "Europe/Berlin", "2026-10-24T21:00:00Z", 3)).toEqual([
      "2026-10-24T22:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T03:30:00.000Z",
    ]);
  });

  test("*/15 and hourly keep running in real time through the repeated hour", () => {
    const quarterHours = fires("*/15 * * * *", "Europe/Berlin", "2026-10-24T23:50:00Z", 9);
    expect(quarterHours[0]).toBe("2026-10-25T00:00:00.000Z");
    expect(quarterHours.at(-1)).toBe("2026-10-25T02:00:00.000Z");
    expect(fires("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00Z", 3)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
  });
});

describe("America/New_York: 2026-03-08 and 2026-11-01", () => {
  test("02:30 on the spring-forward day runs at 03:00 EDT", () => {
    expect(fires("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2)).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]);
  });

  test("*/30 keeps its rhythm across the spring jump", () => {
    expect(fires("*/30 * * * *", "America/New_York", "2026-03-08T06:10:00Z", 3)).toEqual([
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-08T07:30:00.000Z",
    ]);
  });

  test("01:30 on the fall-back day runs once, in EDT", () => {
    expect(fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2)).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  test("*/30 runs every real half hour through the repeated hour", () => {
    expect(fires("*/30 * * * *", "America/New_York", "2026-11-01T04:50:00Z", 5)).toEqual([
      "2026-11-01T05:00:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:00:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-01T07:00:00.000Z",
    ]);
  });
});

describe("Australia/Lord_Howe: 30-minute shifts on 2026-04-05 and 2026-10-04", () => {
  test("01:45 on the fall-back day (01:30-02:00 occurs twice) runs once, at its first occurrence", () => {
    expect(fires("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z", 2)).toEqual(["2026-04-04T14:45:00.000Z", "2026-04-05T15:15:00.000Z"]);
  });

  test("*/15 runs every real quarter hour through the repeated half hour", () => {
    expect(fires("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04T14:20:00Z", 5)).toEqual([
      "2026-04-04T14:30:00.000Z",
      "2026-04-04T14:45:00.000Z",
      "2026-04-04T15:00:00.000Z",
      "2026-04-04T15:15:00.000Z",
      "2026-04-04T15:30:00.000Z",
    ]);
  });

  test("02:15 on the spring-forward day (02:00-02:30 does not exist) runs at 02:30", () => {
    expect(fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", 2)).toEqual(["2026-10-03T15:30:00.000Z", "2026-10-04T15:15:00.000Z"]);
  });

  test("*/15 keeps its rhythm across the half-hour jump", () => {
    expect(fires("*/15 * * * *", "Australia/Lord_Howe", "2026-10-03T15:10:00Z", 3)).toEqual([
      "2026-10-03T15:15:00.000Z",
      "2026-10-03T15:30:00.000Z",
      "2026-10-03T15:45:00.000Z",
    ]);
  });
});

describe("the daemon fires DST days exactly as `next` shows them", () => {
  test("a Berlin 02:30 task, run for a week across both transitions, fires once a day", async () => {
    for (const [start, first] of [
      ["2026-03-27T12:00:00Z", "2026-03-29T01:00:00.000Z"],
      ["2026-10-23T12:00:00Z", "2026-10-25T00:30:00.000Z"],
    ] as const) {
      const h = harness(start, [task("report", cron("30 2 * * *"), { timezone: "Europe/Berlin" })]);
      h.scheduler.start();
      await h.clock.advance(7 * 24 * HOUR);
      h.scheduler.stop();
      expect(h.fires).toHaveLength(7);
      expect(h.slots()).toContain(first);
      expect(h.calls.every((c) => c.atMs >= c.fire.slotMs && c.atMs - c.fire.slotMs < 1_000)).toBe(true);
      expect(h.slots()).toEqual(upcomingFires(cron("30 2 * * *"), "Europe/Berlin", Date.parse(start), 7, 0).map(iso));
    }
  });
});
