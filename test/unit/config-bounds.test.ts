import { describe, expect, it } from "vitest";
import { buildTask } from "../../src/task-builder.js";
import { problemsIn, taskOf } from "./config-fixture.js";

const task = (lines: string) => `tasks:\n  report:\n${lines.replace(/^/gm, "    ")}\n`;
const SCRIPT = "scripts: [ { path: scripts/report.py } ]";

describe("no duration goes beyond a year, whatever a timer could be asked to hold", () => {
  it.each([
    ["timeout", "9999999999999999999999d", '"9999999999999999999999d"'],
    ["kill_grace", "1e21", "1e+21"],
    ["retry_delay", "400d", '"400d"'],
    ["retry_max_delay", "53w", '"53w"'],
    ["catch_up_window", "366d", '"366d"'],
    ["deadline", "8761h", '"8761h"'],
    ["delay", "31536001", "31536001"],
  ])("%s: %s", (key, value, shown) => {
    expect(problemsIn(task(`${SCRIPT}\n${key}: ${value}`))).toEqual([`4:${key.length + 7}: tasks.report.${key}: must be at most 365d, got ${shown}`]);
  });

  it("an http timeout", () => {
    expect(problemsIn(task('http: { url: "https://example.com", timeout: 400d }'))).toEqual([
      "3:50: tasks.report.http.timeout: must be at most 365d, got \"400d\"",
    ]);
  });

  it("exactly a year is fine, and so is 0 (no limit) for a timeout", () => {
    expect(problemsIn(task(`${SCRIPT}\ntimeout: 365d\ncatch_up_window: 52w`))).toEqual([]);
    expect(taskOf(task(`${SCRIPT}\ntimeout: 0`)).timeoutMs).toBeNull();
  });
});

describe("every: at least a second, as cron's finest field, and at most a year", () => {
  it.each([
    ["1ms", '"1ms"'],
    ["999ms", '"999ms"'],
    ["0s", '"0s"'],
    ["0.5", "0.5"],
  ])("every: %s", (value, shown) => {
    expect(problemsIn(task(`${SCRIPT}\nevery: ${value}`))).toEqual([`4:12: tasks.report.every: must be at least 1s, got ${shown}`]);
  });

  it("every: 1e30", () => {
    expect(problemsIn(task(`${SCRIPT}\nevery: 1e30`))).toEqual(["4:12: tasks.report.every: must be at most 365d, got 1e+30"]);
  });

  it("every: 1s and every: 365d are fine", () => {
    expect(problemsIn(task(`${SCRIPT}\nevery: 1s`))).toEqual([]);
    expect(problemsIn(task(`${SCRIPT}\nevery: 365d`))).toEqual([]);
  });
});

describe("jitter is shorter than the time between two fires, so every fire still happens", () => {
  it("jitter longer than the interval", () => {
    expect(problemsIn(task(`${SCRIPT}\nevery: 1m\njitter: 2m`))).toEqual([
      '5:13: tasks.report.jitter: must be shorter than the interval (every 1m), got "2m"',
    ]);
  });

  it("jitter as long as the interval", () => {
    expect(problemsIn(task(`${SCRIPT}\nevery: 30s\njitter: 30`))).toEqual(["5:13: tasks.report.jitter: must be shorter than the interval (every 30s), got 30"]);
  });

  it("jitter longer than the shortest gap between cron fires", () => {
    expect(problemsIn(task(`${SCRIPT}\ncron: "0 9,10 * * *"\njitter: 2h`))).toEqual([
      '5:13: tasks.report.jitter: must be shorter than the shortest gap between the task\'s fires (1h for "0 9,10 * * *"), got "2h"',
    ]);
  });

  it("100000000d, with which the task would never fire", () => {
    expect(problemsIn(task(`${SCRIPT}\ncron: "0 3 * * *"\njitter: 100000000d`))).toEqual([
      '5:13: tasks.report.jitter: must be at most 365d, got "100000000d"',
    ]);
  });

  it("a jitter from defaults is judged against each task's own schedule", () => {
    expect(problemsIn(`defaults:\n  jitter: 5m\ntasks:\n  slow:\n    cron: "0 * * * *"\n    ${SCRIPT}\n  fast:\n    every: 1m\n    ${SCRIPT}\n`)).toEqual([
      '2:11: defaults.jitter: must be shorter than the interval (every 1m), got "5m"',
    ]);
  });

  it("jitter shorter than the interval, or on a one-shot, is fine", () => {
    expect(problemsIn(task(`${SCRIPT}\nevery: 1m\njitter: 59s`))).toEqual([]);
    expect(problemsIn(task(`${SCRIPT}\ncron: "0 9,10 * * *"\njitter: 59m`))).toEqual([]);
    expect(problemsIn(task(`${SCRIPT}\ndelay: 10s\njitter: 1h`))).toEqual([]);
  });
});

describe("tasks built in code are held to the same bounds", () => {
  it("addTask with a timeout of 1e21 seconds", () => {
    expect(() => buildTask("* * * * *", "bash", { timeout: 1e21 }, "t")).toThrow("task t: timeout: must be at most 365d, got 1e+21");
  });

  it("addTask with a jitter longer than its schedule's gaps", () => {
    expect(() => buildTask("*/5 * * * *", "bash", { jitter: "10m" }, "t")).toThrow(
      'task t: jitter: must be shorter than the shortest gap between the task\'s fires (5m for "*/5 * * * *"), got "10m"',
    );
  });
});
