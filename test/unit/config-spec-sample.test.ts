import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configOf, projectDir } from "./config-fixture.js";
import { SPEC_SAMPLE } from "./config-spec-sample.js";

describe("the sample file of SPEC §3 loads into the model the engine runs", () => {
  const dir = projectDir();
  // user: backup is checked for existence only: whether this process could switch to it is run's question.
  const config = configOf(SPEC_SAMPLE, { runsTasks: false }, dir);
  const [report, ping, warm] = config.tasks;

  it("paths are absolute, relative to the config file's folder", () => {
    expect(config.file).toBe(join(dir, "orchestration.yaml"));
    expect(config.dir).toBe(dir);
    expect(config.state).toBe(join(dir, ".orchestrate/state.db"));
    expect(report!.cwd).toBe(dir);
  });

  it("tasks keep the order of the file", () => {
    expect(config.tasks.map((t) => t.name)).toEqual(["nightly-report", "ping", "warm-cache"]);
  });

  it("nightly-report", () => {
    expect(report).toEqual({
      name: "nightly-report",
      description: "Build and mail the nightly report",
      trigger: { kind: "cron", expression: "30 2 * * *" },
      timezone: "Europe/Berlin",
      type: "python",
      action: {
        kind: "scripts",
        scripts: [
          {
            path: join(dir, "scripts/report.py"),
            displayPath: "scripts/report.py",
            params: [
              ["region", "eu"],
              ["day", "{{ scheduled_at | date: yyyy-MM-dd }}"],
            ],
            templated: true,
          },
        ],
        repeat: [
          { path: join(dir, "scripts/sync.sh"), displayPath: "scripts/sync.sh", paramSets: [[["bucket", "a"]], [["bucket", "b"]]], paramsFrom: null },
          { path: join(dir, "scripts/sync.sh"), displayPath: "scripts/sync.sh", paramSets: null, paramsFrom: join(dir, "scripts/list_buckets.py") },
        ],
      },
      skip: [
        { kind: "weekdays", days: [0, 6] },
        {
          kind: "dates",
          ranges: [
            { from: "2026-12-25", to: "2026-12-25" },
            { from: "2026-12-24", to: "2026-12-31" },
          ],
        },
        { kind: "command", command: "test -f /run/maintenance" },
        { kind: "file_exists", path: "/run/maintenance" },
        { kind: "env", name: "SKIP_REPORTS" },
      ],
      timeoutMs: 30 * 60_000,
      killGraceMs: 10_000,
      retries: 2,
      retryDelayMs: 10_000,
      retryMaxDelayMs: 600_000,
      concurrency: "forbid",
      catchUp: "none",
      catchUpWindowMs: 86_400_000,
      jitterMs: 0,
      deadlineMs: 15 * 60_000,
      env: { PGHOST: "db1" },
      envFile: join(dir, ".env"),
      account: expect.objectContaining({ user: "backup", home: "/var/backups" }),
      cwd: dir,
      nodes: null,
      notify: [],
    });
  });

  it("ping", () => {
    expect(ping).toMatchObject({
      trigger: { kind: "every", intervalMs: 30_000 },
      timezone: "Europe/Berlin",
      timeoutMs: 3_600_000,
      retries: 3,
      action: { kind: "http", http: { url: "https://example.com/health", method: "GET", headers: {}, body: null, timeoutMs: 10_000, expect: ["2xx"] } },
    });
  });

  it("warm-cache", () => {
    expect(warm).toMatchObject({ trigger: { kind: "delay", delayMs: 10_000 }, action: { kind: "command", command: "curl -fsS localhost:8080/warm" } });
  });

  it("etl, a workflow of three steps with a rollback, in the defaults' timezone", () => {
    const [etl] = config.workflows;
    expect(etl).toMatchObject({ name: "etl", trigger: { kind: "cron", expression: "0 1 * * *" }, maxParallel: 4, timezone: "Europe/Berlin" });
    expect(etl!.steps.map((s) => [s.name, s.dependsOn, s.task.retries, s.rollback?.action.kind ?? null])).toEqual([
      ["extract", [], 0, "command"],
      ["transform", ["extract"], 2, null],
      ["load", ["transform"], 0, null],
    ]);
  });

  it("notify: a signed webhook for three events, a command for failures, a heartbeat every minute", () => {
    expect(config.notify).toEqual([
      { kind: "webhook", url: "https://hooks.example.com/orchestrate", events: ["started", "succeeded", "failed"], secretEnv: "WEBHOOK_SECRET", headers: {}, timeoutMs: 10_000 },
      { kind: "command", command: "scripts/page-oncall.sh", events: ["failed", "late", "missed"], timeoutMs: 30_000, cwd: dir },
      { kind: "heartbeat", url: "https://hc-ping.example.com/uuid", everyMs: 60_000, timeoutMs: 10_000 },
    ]);
  });

  it("api: on loopback, with a token from the environment", () => {
    expect(config.api).toEqual({ host: "127.0.0.1", port: 7070, tokenEnv: "ORCHESTRATE_TOKEN" });
  });

  it("history", () => {
    expect(config.history).toEqual({ keepRuns: 1000, keepDays: 90, outputLimitBytes: 65_536 });
  });
});

describe("skip rules read as people write them", () => {
  it("weekday names in any case, full or short", () => {
    const config = configOf(`tasks:\n  a:\n    command: "true"\n    skip: [ { weekdays: [Monday, TUE, sunday, mon] } ]\n`);
    expect(config.tasks[0]!.skip).toEqual([{ kind: "weekdays", days: [0, 1, 2] }]);
  });

  it("file_exists relative to the config file", () => {
    const dir = projectDir();
    const config = configOf(`tasks:\n  a:\n    command: "true"\n    skip: [ { file_exists: maintenance.flag } ]\n`, {}, dir);
    expect(config.tasks[0]!.skip).toEqual([{ kind: "file_exists", path: join(dir, "maintenance.flag") }]);
  });
});

describe("triggers", () => {
  it.each([
    ['cron: "@reboot"', { kind: "reboot" }],
    ["cron: '@daily'", { kind: "cron", expression: "@daily" }],
    ['cron: "0 30 2 * * *"', { kind: "cron", expression: "0 30 2 * * *" }],
    ["every: 1h30m", { kind: "every", intervalMs: 5_400_000 }],
    ["delay: 90", { kind: "delay", delayMs: 90_000 }],
    ["at: 2026-12-01T09:00Z", { kind: "at", atMs: Date.parse("2026-12-01T09:00:00Z") }],
  ])("%s", (line, trigger) => {
    expect(configOf(`tasks:\n  a:\n    ${line}\n    command: "true"\n`).tasks[0]!.trigger).toEqual(trigger);
  });
});

describe("YAML anchors and merge keys share settings between tasks", () => {
  it("a task merged from another keeps its own values on top", () => {
    const config = configOf(
      [
        "tasks:",
        "  base: &base",
        "    timezone: UTC",
        '    command: "true"',
        "  hourly:",
        "    <<: *base",
        '    cron: "0 * * * *"',
        "  copy: *base",
      ].join("\n"),
    );
    expect(config.tasks.map((t) => [t.name, t.timezone, t.trigger?.kind ?? null])).toEqual([
      ["base", "UTC", null],
      ["hourly", "UTC", "cron"],
      ["copy", "UTC", null],
    ]);
  });
});
