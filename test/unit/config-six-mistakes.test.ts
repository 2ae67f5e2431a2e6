import { describe, expect, it } from "vitest";
import { problemsIn, yaml } from "./config-fixture.js";

describe("validate reports every mistake in the file at once, each at its line and column", () => {
  it("finds all six mistakes in one file, in file order", () => {
    const text = yaml`
      tasks:
        report:
          cron: "30 2 * * *"
          timezon: Europe/Berlin
          scripts:
            - path: scripts/report.py
            - path: scripts/missing.py
          timeout: 5 minutes
        cleanup:
          cron: 0 25 * * *
          timezone: Europe/Berln
          command: rm -rf /tmp/cache
        ping:
          every: 30s
          delay: 10s
          http: { url: "https://example.com/health" }
    `;
    const problems = problemsIn(text);
    expect(problems).toHaveLength(6);
    expect(problems[0]).toBe("4:5: tasks.report: unknown key `timezon`; did you mean `timezone`?");
    expect(problems[1]).toMatch(/^7:15: tasks\.report\.scripts\[1\]\.path: script not found: .*scripts\/missing\.py$/);
    expect(problems[2]).toBe(
      '8:14: tasks.report.timeout: expected a duration like 500ms, 30s, 5m, 1h30m, 2d or a number of seconds, got "5 minutes"',
    );
    expect(problems[3]).toMatch(/^10:11: tasks\.cleanup\.cron: hour field "25" is out of range 0-23/);
    expect(problems[4]).toBe('11:15: tasks.cleanup.timezone: unknown timezone "Europe/Berln"; did you mean "Europe/Berlin"?');
    expect(problems[5]).toBe("15:5: tasks.ping: two triggers on one task (`every` and `delay`): keep one of cron, every, at, delay");
  });

  it("a file without mistakes has no problems", () => {
    const text = yaml`
      tasks:
        report:
          cron: "30 2 * * *"
          timezone: Europe/Berlin
          scripts:
            - path: scripts/report.py
    `;
    expect(problemsIn(text)).toEqual([]);
  });
});
