/** croner's dialect as users write it: what is valid, what each error says, what surprises. */
import { describe, expect, test } from "vitest";
import { checkCronExpression, cronWarnings, nextCronFire } from "../../src/schedule/cron.js";
import { upcomingFires } from "../../src/schedule/trigger.js";
import { cron, iso } from "./schedule-harness.js";

const NOW = Date.parse("2026-05-01T00:00:00Z");
const check = (expression: string, timezone?: string) => checkCronExpression(expression, timezone, NOW);

describe("valid expressions", () => {
  test.each([
    "30 2 * * *",
    "*/15 * * * *",
    "0 9 * * MON-FRI",
    "0 9 * * mon-fri",
    "0 0 1 jan,jul *",
    "*/10 * * * * *",
    "0 0 12 * * * 2030",
    "0 0 L * *",
    "0 0 15W * *",
    "0 0 LW * *",
    "0 0 * * 5L",
    "0 0 * * FRI#2",
    "0 0 ? * *",
    "0 12 1 * +MON",
    "0 0 29 2 *",
    "0 1-5/2 * * *",
  ])("%s", (expression) => {
    expect(check(expression, "Europe/Berlin")).toBeNull();
  });

  test.each(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@reboot"])("nickname %s", (nickname) => {
    expect(check(nickname)).toBeNull();
  });
});

describe("invalid expressions name the failing field", () => {
  test.each([
    ["0 25 * * *", 'hour field "25" is out of range 0-23'],
    ["61 * * * *", 'minute field "61" is out of range 0-59'],
    ["0 0 32 * *", 'day-of-month field "32" is out of range 1-31'],
    ["0 0 * 13 *", 'month field "13" is out of range 1-12'],
    ["0 0 * * 8", 'day-of-week field "8" is out of range 0-7'],
    ["* * * * FOO", 'day-of-week field "FOO" is not a day name or number'],
    ["0 0 * FOO *", 'month field "FOO" is not a month name or number'],
    ["a * * * *", 'minute field "a" is not a number, range (a-b), list (a,b) or step (*/n)'],
    ["*/0 * * * *", 'minute field "*/0" has a step of 0'],
    ["0 22-2 * * *", 'hour field "22-2" is a range that runs backwards (write "22-23,0-2")'],
    ["5/5 * * * *", 'minute field "5/5": a step needs * or a range before the slash (e.g. */5 or 10-50/5)'],
    ["0 0 * * 5#6", 'day-of-week field "5#6": the number after # must be 1-5 (the nth weekday of the month)'],
    ["60 0 0 * * *", 'second field "60" is out of range 0-59'],
  ])("%s", (expression, message) => {
    expect(check(expression)).toBe(message);
  });

  test("the wrong number of fields", () => {
    expect(check("* * * *")).toBe('"* * * *" has 4 fields: expected 5 (minute hour day-of-month month day-of-week), 6 with seconds first, or 7 with a year last');
    expect(check("")).toBe("cron expression is empty");
  });

  test("nicknames are lower-case", () => {
    expect(check("@DAILY")).toBe('nickname "@DAILY" must be written in lower case: "@daily"');
    expect(check("@often")).toMatch(/^unknown nickname "@often": use one of @yearly/);
  });

  test("an unknown timezone", () => {
    expect(check("0 0 * * *", "Mars/Olympus_Mons")).toBe('unknown timezone "Mars/Olympus_Mons"');
  });
});

describe("expressions that can never fire", () => {
  test("0 0 30 2 * (February never has a 30th)", () => {
    expect(check("0 0 30 2 *")).toBe('"0 0 30 2 *" never fires (February never has a 30th)');
  });

  test("the 31st of short months", () => {
    expect(check("0 0 31 4,6 *")).toBe('"0 0 31 4,6 *" never fires (April and June never have a 31st)');
  });

  test("a year in the past", () => {
    expect(check("0 0 0 1 1 * 2020")).toBe('"0 0 0 1 1 * 2020" never fires (year field "2020" is in the past)');
  });

  test("with OR semantics, a day-of-week makes an impossible date fire after all", () => {
    expect(check("0 0 30 2 MON")).toBeNull();
    expect(check("0 0 30 2 +MON")).toBe('"0 0 30 2 +MON" never fires (February never has a 30th)');
  });
});

describe("day-of-month and day-of-week", () => {
  const from = Date.parse("2026-06-01T00:00:00Z"); // a Monday
  test("both restricted: either matches (Vixie cron OR)", () => {
    expect(upcomingFires(cron("0 12 13 * FRI"), "UTC", from, 3, from).map(iso)).toEqual([
      "2026-06-05T12:00:00.000Z",
      "2026-06-12T12:00:00.000Z",
      "2026-06-13T12:00:00.000Z",
    ]);
  });

  test("+ before day-of-week asks for AND: Friday the 13th", () => {
    expect(iso(nextCronFire("0 12 13 * +FRI", "UTC", from) ?? 0)).toBe("2026-11-13T12:00:00.000Z");
  });

  test("7 is Sunday, like 0", () => {
    expect(nextCronFire("0 0 * * 7", "UTC", from)).toBe(nextCronFire("0 0 * * 0", "UTC", from));
  });

  test.each([
    ["SUN-SUN", ["2026-06-07", "2026-06-14", "2026-06-21"]],
    ["sun-sun", ["2026-06-07", "2026-06-14", "2026-06-21"]],
    ["MON-MON", ["2026-06-01", "2026-06-08", "2026-06-15"]],
    ["7-7", ["2026-06-07", "2026-06-14", "2026-06-21"]],
    ["SAT-SAT/2", ["2026-06-06", "2026-06-13", "2026-06-20"]],
  ])("a range from a day to itself, %s, is that one day, as in Vixie cron (croner alone reads SUN-SUN as every day)", (days, dates) => {
    expect(upcomingFires(cron(`0 12 * * ${days}`), "UTC", from, 3, from).map((ms) => iso(ms).slice(0, 10))).toEqual(dates);
  });

  test("FRI-SUN still runs to Sunday", () => {
    expect(upcomingFires(cron("0 12 * * FRI-SUN"), "UTC", from, 3, from).map((ms) => iso(ms).slice(0, 10))).toEqual(["2026-06-05", "2026-06-06", "2026-06-07"]);
  });
});

describe("a year field is judged from the instant asked about, not from now", () => {
  test("2020 is ahead of an instant in 2019", () => {
    expect(checkCronExpression("0 0 0 1 1 * 2020", "UTC", Date.parse("2019-06-01T00:00:00Z"))).toBeNull();
    expect(checkCronExpression("0 0 0 1 1 * 2020", "UTC", Date.parse("2021-06-01T00:00:00Z"))).toBe('"0 0 0 1 1 * 2020" never fires (year field "2020" is in the past)');
  });
});

describe("dialect warnings", () => {
  test("6 fields: seconds first", () => {
    expect(cronWarnings("*/10 * * * * *")).toEqual(["6 fields: the first is read as seconds (croner dialect), not minutes"]);
  });

  test("7 fields: a year last", () => {
    expect(cronWarnings("0 0 12 * * * 2030")).toEqual(["7 fields: the first is read as seconds and the last as the year (croner dialect)"]);
  });

  test("both day fields restricted", () => {
    expect(cronWarnings("0 12 1 * MON")).toEqual([
      "day-of-month and day-of-week are both restricted: runs when EITHER matches (Vixie cron OR); prefix day-of-week with + for AND",
    ]);
    expect(cronWarnings("0 12 1 * +MON")).toEqual([]);
  });

  test("a day field starting with * is still OR here, unlike Vixie cron", () => {
    expect(cronWarnings("0 12 */2 * MON")).toContain(
      'a day field starting with * ("*/2") makes Vixie cron require BOTH days to match; here EITHER is enough (prefix day-of-week with + for AND)',
    );
  });

  test("? means *", () => {
    expect(cronWarnings("0 0 ? * *")).toEqual(['"?" means "*" (any value) here, not Quartz\'s "no specific value" nor the start time as in some crons']);
  });

  test("plain 5 fields and nicknames have none", () => {
    expect(cronWarnings("30 2 * * *")).toEqual([]);
    expect(cronWarnings("@daily")).toEqual([]);
  });
});
