import { describe, expect, it } from "vitest";
import { formatDate } from "../../src/time/date-format.js";
import { problemsIn } from "./config-fixture.js";

const withDay = (format: string) =>
  `tasks:\n  report:\n    scripts: [ { path: scripts/report.py, params: { day: "{{ scheduled_at | date: ${format} }}" } } ]\n`;

describe("{{ scheduled_at | date: FORMAT }} takes the documented tokens, in the task's timezone", () => {
  const at = new Date("2026-03-29T00:30:05.042Z");

  it.each([
    ["yyyy-MM-dd", "2026-03-29"],
    ["yyyyMMdd", "20260329"],
    ["yy/MM/dd HH:mm:ss.SSS", "26/03/29 01:30:05.042"],
    ["EEE", "Sun"],
    ["yyyy-MM-dd'T'HH:mm", "2026-03-29T01:30"],
    ["'week' yyyy", "week 2026"],
    ["HH'h'mm", "01h30"],
    ["dd.MM.", "29.03."],
  ])("%s is %s in Europe/Berlin", (format, text) => {
    expect(formatDate(at, format, "Europe/Berlin")).toBe(text);
  });
});

describe("any other letters in a date format are a located error with a hint", () => {
  it.each([
    ["YYYY-MM-DD", '"YYYY" is not a date token (did you mean "yyyy"?)'],
    ["yyyy-MM-DD", '"DD" is not a date token (did you mean "dd"?)'],
    ["QQQQ", '"QQQQ" is not a date token'],
    ["hh:mm", '"hh" is not a date token (did you mean "HH"?)'],
    ["yyyy-MM-ddTHH:mm", '"T" is not a date token'],
    ["yyyyy", '"yyyyy" is not a date token (did you mean "yyyy"?)'],
    ["M/d/yyyy", '"M" is not a date token (did you mean "MM"?)'],
  ])("%s", (format, problem) => {
    expect(problemsIn(withDay(format))).toEqual([
      `3:58: tasks.report.scripts[0].params.day: in "${format}", ${problem}; the tokens are yyyy yy MM dd HH mm ss SSS EEE, and other letters go in 'quotes'`,
    ]);
  });

  it("a quote that is never closed", () => {
    expect(problemsIn(withDay("yyyy 'week"))).toEqual([
      "3:58: tasks.report.scripts[0].params.day: in \"yyyy 'week\", the quote ' is never closed: put literal text in 'quotes'",
    ]);
  });
});
