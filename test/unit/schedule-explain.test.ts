/** Schedules in words, as `validate`, `next` and `explain` print them. */
import { describe, expect, test } from "vitest";
import { describeCron, describeTrigger } from "../../src/schedule/describe.js";

describe("describeCron", () => {
  test.each([
    ["30 2 * * *", "At 02:30"],
    ["*/15 * * * *", "Every 15 minutes"],
    ["*/10 * * * * *", "Every 10 seconds"],
    ["0 0 L * *", "At 00:00, on the last day of the month"],
    ["0 0 * * 5#2", "At 00:00, on the second Friday of the month"],
    ["0 12 1 * MON", "At 12:00, on day 1 of the month, or on Monday"],
    ["0 12 1 * +MON", "At 12:00, on day 1 of the month, only on Monday"],
    ["@daily", "At 00:00"],
    ["@hourly", "Every hour"],
    ["@reboot", "once at daemon start"],
  ])("%s", (expression, words) => {
    expect(describeCron(expression)).toBe(words);
  });

  test.each([
    ["0 9 * * SUN-SUN", "At 09:00, only on Sunday"],
    ["0 9 * * MON-MON", "At 09:00, only on Monday"],
    ["0 9 * * 0,sun", "At 09:00, only on Sunday"],
    ["0 9 * * *,sat#3", "At 09:00"],
    ["0 9 * * *,0", "At 09:00"],
    ["0 9 l * *", "At 09:00, on the last day of the month"],
    ["0 9 lw * *", "At 09:00, on the last weekday of the month"],
    ["0 9 15w * *", "At 09:00, on the weekday nearest day 15 of the month"],
    ["0 9 * * 5#L", "At 09:00, on the last Friday of the month"],
    ["0 9 * * fri#l", "At 09:00, on the last Friday of the month"],
  ])("%s never says undefined nor echoes a raw token", (expression, words) => {
    expect(describeCron(expression)).toBe(words);
  });

  test("both day fields in ranges: says either matches", () => {
    expect(describeCron("0 12 1-7 * MON-FRI")).toBe("At 12:00, between day 1 and 7 of the month, Monday through Friday (when either the day of month or the weekday matches)");
  });
});

describe("describeTrigger", () => {
  test("every", () => {
    expect(describeTrigger({ kind: "every", intervalMs: 30_000 })).toBe("every 30 seconds");
    expect(describeTrigger({ kind: "every", intervalMs: 60_000 })).toBe("every minute");
    expect(describeTrigger({ kind: "every", intervalMs: 90 * 60_000 })).toBe("every 90 minutes");
    expect(describeTrigger({ kind: "every", intervalMs: 500 })).toBe("every 500 milliseconds");
  });

  test("at, in the task's timezone", () => {
    expect(describeTrigger({ kind: "at", atMs: Date.parse("2026-12-01T08:00:00Z") }, "Europe/Berlin")).toBe("once at 2026-12-01 09:00 (Europe/Berlin)");
  });

  test("delay, reboot, cron and manual", () => {
    expect(describeTrigger({ kind: "delay", delayMs: 10_000 })).toBe("once, 10 seconds after the daemon starts");
    expect(describeTrigger({ kind: "reboot" })).toBe("once at daemon start");
    expect(describeTrigger({ kind: "cron", expression: "30 2 * * *" })).toBe("at 02:30");
    expect(describeTrigger(null)).toBe("manual only (orchestrate trigger NAME)");
    expect(describeTrigger(null, "UTC", "etl")).toBe("manual only (orchestrate trigger etl)");
  });
});
