import { afterAll, describe, expect, it } from "vitest";
import { runCli, tempProject } from "../helpers/project.js";

describe("orchestrate explain", () => {
  it("lists the DST gap's end for a fire time that does not exist", async () => {
    const result = await runCli(
      ["explain", "30 2 * * *", "--tz", "Europe/Berlin", "--from", "2026-03-28T12:00:00Z", "-n", "3", "--json"],
      { cwd: process.cwd() },
    );
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.next).toEqual(["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
    expect(typeof out.description).toBe("string");
    expect(out.warnings).toEqual([]);
  });

  it("rejects an expression that never fires, exit 1", async () => {
    const result = await runCli(["explain", "0 0 30 2 *"], { cwd: process.cwd() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/never/);
  });

  it("names the field of a bad expression, exit 1", async () => {
    const result = await runCli(["explain", "0 25 * * *"], { cwd: process.cwd() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hour/);
  });

  it("with --from, a year field is judged from that instant, not from now", async () => {
    const result = await runCli(["explain", "0 0 0 1 1 * 2020", "--tz", "UTC", "--from", "2019-06-01T00:00:00Z", "--json"], { cwd: process.cwd() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).next).toEqual(["2020-01-01T00:00:00.000Z"]);
  });

  it("warns that a 6th field is read as seconds", async () => {
    const result = await runCli(["explain", "0 30 2 * * *", "--json"], { cwd: process.cwd() });
    expect(JSON.parse(result.stdout).warnings.join(" ")).toMatch(/second/);
  });
});

describe("orchestrate validate", () => {
  const project = tempProject({
    "orchestration.yaml": `tasks:
  never:
    cron: "0 0 30 2 *"
    command: "true"
  typo:
    cron: "0 3 * * *"
    timezon: Europe/Berlin
    command: "true"
  bad-hour:
    cron: "0 25 * * *"
    command: "true"
  bad-zone:
    cron: "0 3 * * *"
    timezone: Europe/Berln
    command: "true"
  missing-script:
    cron: "0 3 * * *"
    scripts:
      - path: nope.sh
  two-triggers:
    cron: "0 3 * * *"
    every: 10s
    command: "true"
`,
  });
  afterAll(() => project.cleanup());

  it("reports every mistake at once, each located as FILE:LINE:COL, and exits 1", async () => {
    const result = await runCli(["validate"], { cwd: project.dir });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).toMatch(/orchestration\.yaml:\d+:\d+: /);
    expect(result.stderr).toMatch(/:3:\d+: .*never/);
    expect(result.stderr).toMatch(/:7:5: .*timezon.*did you mean.*timezone/i);
    expect(result.stderr).toMatch(/:10:\d+: .*hour/);
    expect(result.stderr).toMatch(/:14:\d+: .*Europe\/Berln/);
    expect(result.stderr).toMatch(/:19:\d+: .*nope\.sh/);
    expect(result.stderr).toMatch(/two triggers|only one trigger|at most one trigger/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("says valid and shows each task's schedule in words and next fire", async () => {
    const ok = tempProject({ "orchestration.yaml": `tasks:\n  nightly:\n    cron: "30 2 * * *"\n    timezone: Europe/Berlin\n    command: "true"\n` });
    const result = await runCli(["validate"], { cwd: ok.dir });
    ok.cleanup();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/nightly\s+.*02:30/);
    expect(result.stdout).toMatch(/next \d{4}-\d\d-\d\d 02:30:00 CE/);
  });
});
