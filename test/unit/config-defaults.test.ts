import { describe, expect, it } from "vitest";
import { problemsIn, taskOf, yaml } from "./config-fixture.js";

describe("defaults apply to every task, and a task's own value wins", () => {
  const text = yaml`
    defaults:
      timezone: Europe/Berlin
      timeout: 1h
      retries: 2
      env: { PGHOST: db1, REGION: eu }
    tasks:
      report:
        scripts: [ { path: scripts/report.py } ]
      sync:
        timezone: America/New_York
        retries: 0
        env: { REGION: us, EXTRA: "1" }
        scripts: [ { path: scripts/sync.sh } ]
  `;

  it("a task without its own value takes the default", () => {
    const report = taskOf(text, "report");
    expect(report.timezone).toBe("Europe/Berlin");
    expect(report.timeoutMs).toBe(3_600_000);
    expect(report.retries).toBe(2);
    expect(report.env).toEqual({ PGHOST: "db1", REGION: "eu" });
  });

  it("a task's own value replaces the default", () => {
    const sync = taskOf(text, "sync");
    expect(sync.timezone).toBe("America/New_York");
    expect(sync.retries).toBe(0);
    expect(sync.timeoutMs).toBe(3_600_000);
  });

  it("env maps are merged, the task's keys winning", () => {
    expect(taskOf(text, "sync").env).toEqual({ PGHOST: "db1", REGION: "us", EXTRA: "1" });
  });
});

describe("a task's own trigger or action replaces the default one as a whole", () => {
  const text = yaml`
    defaults:
      cron: "0 * * * *"
      scripts: [ { path: scripts/report.py } ]
    tasks:
      hourly: {}
      ping:
        every: 30s
        http: { url: "https://example.com/health" }
  `;

  it("a task with nothing of its own gets both", () => {
    const hourly = taskOf(text, "hourly");
    expect(hourly.trigger).toEqual({ kind: "cron", expression: "0 * * * *" });
    expect(hourly.action.kind).toBe("scripts");
  });

  it("every: under a default cron: is not two triggers, http: under default scripts: not two actions", () => {
    expect(problemsIn(text)).toEqual([]);
    const ping = taskOf(text, "ping");
    expect(ping.trigger).toEqual({ kind: "every", intervalMs: 30_000 });
    expect(ping.action.kind).toBe("http");
  });
});

describe("built-in defaults", () => {
  it("a script task", () => {
    const task = taskOf(yaml`
      tasks:
        report:
          scripts: [ { path: scripts/report.py } ]
    `);
    expect(task).toMatchObject({
      description: null,
      trigger: null,
      type: "bash",
      skip: [],
      timeoutMs: null,
      killGraceMs: 10_000,
      retries: 0,
      retryDelayMs: 10_000,
      retryMaxDelayMs: 600_000,
      concurrency: "forbid",
      catchUp: "none",
      catchUpWindowMs: 86_400_000,
      jitterMs: 0,
      deadlineMs: null,
      env: {},
    });
  });

  it("an http task retries 3 times and waits 30s for an answer, unless told otherwise", () => {
    const text = yaml`
      tasks:
        ping:
          http: { url: "https://example.com/health" }
    `;
    expect(taskOf(text).retries).toBe(3);
    expect(taskOf(text).action).toEqual({
      kind: "http",
      http: { url: "https://example.com/health", method: "GET", headers: {}, body: null, timeoutMs: 30_000, expect: ["2xx"] },
    });
    expect(taskOf(`defaults: { retries: 1 }\n${text}`).retries).toBe(1);
  });

  it("timeout: 0 in a task switches off a timeout from defaults", () => {
    const task = taskOf(yaml`
      defaults: { timeout: 1h, deadline: 15m }
      tasks:
        long:
          timeout: 0
          deadline: 0s
          scripts: [ { path: scripts/report.py } ]
    `);
    expect(task.timeoutMs).toBeNull();
    expect(task.deadlineMs).toBeNull();
  });
});

describe("a mistake in defaults is reported once, where it is written", () => {
  it("even though two tasks inherit it", () => {
    const text = yaml`
      defaults:
        timezone: Europe/Berln
        timout: 1h
      tasks:
        a: { command: "true" }
        b: { command: "true" }
    `;
    expect(problemsIn(text)).toEqual([
      '2:13: defaults.timezone: unknown timezone "Europe/Berln"; did you mean "Europe/Berlin"?',
      "3:3: defaults: unknown key `timout`; did you mean `timeout`?",
    ]);
  });

  it("a cron in defaults that is wrong is located in defaults", () => {
    const text = yaml`
      defaults:
        cron: "61 * * * *"
      tasks:
        a: { command: "true" }
        b: { command: "true" }
    `;
    expect(problemsIn(text)).toEqual(['2:9: defaults.cron: minute field "61" is out of range 0-59']);
  });
});
