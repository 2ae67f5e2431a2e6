/**
 * `status` (the systemctl list-timers of orchestrate), `simulate` (the daemon's own scheduler on a
 * clock that jumps from fire to fire) and `next` marking the fires skip rules will skip.
 */
import { describe, expect, it } from "vitest";
import type { JobStatus } from "../../src/engine/status.js";
import type { SimulatedFire } from "../../src/engine/simulate.js";
import { historyOf, runCli, waitFor, scratchPerTest } from "../helpers/project.js";

const { project, daemon } = scratchPerTest();
async function json<T>(args: string[], dir: string): Promise<T> {
  const result = await runCli([...args, "--json"], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

const EVERY_DAY = "[sun, mon, tue, wed, thu, fri, sat]";

describe("orchestrate status", () => {
  it("lists every task and workflow with its next fire, last run, running runs and pauses, sorted by next fire, read-only", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  busy:
    cron: "* * * * * *"
    timezone: UTC
    command: "sleep 30"
  quick:
    every: 1s
    command: "true"
  weekdays-only:
    cron: "0 9 * * *"
    timezone: UTC
    command: "true"
    skip:
      - weekdays: [sat, sun]
  held:
    cron: "0 0 1 1 *"
    timezone: UTC
    command: "true"
  by-hand:
    command: "true"
workflows:
  flow:
    cron: "0 3 * * *"
    timezone: UTC
    steps:
      one: { command: "true" }
`,
    });
    // Before anything ran, without a store: the schedule is shown, and no store is created.
    const before = await json<JobStatus[]>(["status"], p.dir);
    expect(before.map((j) => j.name).sort()).toEqual(["busy", "by-hand", "flow", "held", "quick", "weekdays-only"]);
    expect(before.find((j) => j.name === "flow")).toMatchObject({ kind: "workflow", lastRun: null, running: [] });
    expect((await runCli(["history"], { cwd: p.dir })).stdout).toMatch(/there is no state store/);

    expect((await runCli(["pause", "held"], { cwd: p.dir })).code).toBe(0);
    const d = daemon(["run", "--grace", "1s"], p.dir);
    await waitFor(
      async () => {
        const runs = await historyOf(p.dir);
        return runs.some((r) => r.task === "busy" && r.status === "running") && runs.some((r) => r.task === "quick" && r.status === "succeeded");
      },
      { what: "busy running and quick done", timeoutMs: 30_000 },
    );
    const jobs = await json<JobStatus[]>(["status"], p.dir);
    const job = (name: string) => jobs.find((j) => j.name === name)!;
    const busyRun = (await historyOf(p.dir)).find((r) => r.task === "busy" && r.status === "running")!;
    expect(job("busy").running).toContain(busyRun.id);
    // quick fires every second: its last run is the one that succeeded, or already the next one.
    expect(job("quick").lastRun).toMatchObject({ task: "quick" });
    expect(["succeeded", "running"]).toContain(job("quick").lastRun!.status);
    // `every` continues the rhythm the daemon anchored: its next fire is within a second.
    expect(Date.parse(job("quick").nextFireAt!) - Date.now()).toBeLessThanOrEqual(2000);
    expect(job("held").paused).toBe(true);
    expect(job("by-hand").nextFireAt).toBeNull();
    // The next fire of weekdays-only is past Saturday and Sunday: never on a weekend.
    const weekday = new Date(job("weekdays-only").nextFireAt!).getUTCDay();
    expect([1, 2, 3, 4, 5]).toContain(weekday);

    const text = await runCli(["status"], { cwd: p.dir });
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(/^NEXT\s+LEFT\s+LAST\s+RESULT\s+TOOK\s+TASK\s+SCHEDULE$/);
    expect(text.stdout).toMatch(new RegExp(`busy \\(running: ${busyRun.id}\\)`));
    expect(text.stdout).toMatch(/held \(paused\)/);
    expect(text.stdout).toMatch(/flow \(workflow\)/);
    // Sorted by next fire: the manual task (no next fire) comes last.
    expect(lines.filter((l) => /\S/.test(l)).slice(-2, -1)[0]).toMatch(/by-hand/);
    await d.stop();
  }, 60_000);
});

describe("orchestrate status from the daemon's plan", () => {
  it("reads the plan the daemon kept of this very file (no YAML parsed), and never a plan of another text", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  nightly:
    cron: "30 2 * * *"
    timezone: UTC
    command: "true"
`,
    });
    const d = daemon(["run"], p.dir);
    await d.waitForOutput(/orchestrate is running/);
    expect(await d.stop()).toBe(0);
    const planFile = p.path(".orchestrate/status-plan.json");
    const { readFileSync, writeFileSync, appendFileSync } = await import("node:fs");
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as { jobs: Array<{ name: string; description: string | null }> };
    expect(plan.jobs.map((j) => j.name)).toEqual(["nightly"]);
    // Proof that status takes the plan: a description only the plan has shows.
    plan.jobs[0]!.description = "from the plan";
    writeFileSync(planFile, JSON.stringify(plan));
    expect((await json<JobStatus[]>(["status"], p.dir))[0]).toMatchObject({ name: "nightly", description: "from the plan", schedule: expect.stringMatching(/02:30/) });
    // The file changed since: the plan is not of it, and status reads the file.
    appendFileSync(p.path("orchestration.yaml"), `  weekly:\n    cron: "0 6 * * 1"\n    command: "true"\n`);
    const after = await json<JobStatus[]>(["status"], p.dir);
    expect(after.map((j) => [j.name, j.description]).sort()).toEqual([
      ["nightly", null],
      ["weekly", null],
    ]);
  });
});

describe("orchestrate simulate", () => {
  const config = `
tasks:
  nightly:
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    command: "true"
  quarter:
    cron: "*/15 * * * *"
    timezone: Europe/Berlin
    command: "true"
  no-weekends:
    cron: "0 12 * * *"
    timezone: Europe/Berlin
    command: "true"
    skip:
      - weekdays: [sat, sun]
`;

  it("fires 02:30 once, right after the jump, on a spring-forward day, and keeps a wildcard rhythm in real time", async () => {
    const p = project({ "orchestration.yaml": config });
    const fires = await json<SimulatedFire[]>(["simulate", "--from", "2026-03-29T00:00:00Z", "--to", "2026-03-29T01:59:59Z"], p.dir);
    expect(fires.filter((f) => f.task === "nightly").map((f) => f.at)).toEqual(["2026-03-29T01:00:00.000Z"]);
    const quarter = fires.filter((f) => f.task === "quarter").map((f) => f.at);
    expect(quarter).toHaveLength(8);
    expect(quarter[0]).toBe("2026-03-29T00:00:00.000Z");
    for (let i = 1; i < quarter.length; i++) expect(Date.parse(quarter[i]!) - Date.parse(quarter[i - 1]!)).toBe(15 * 60_000);
  });

  it("fires 02:30 once, at its first occurrence, on a fall-back day, and marks weekend fires skipped", async () => {
    const p = project({ "orchestration.yaml": config });
    const fires = await json<SimulatedFire[]>(["simulate", "--from", "2026-10-24T00:00:00Z", "--to", "2026-10-26T23:59:59Z", "--task", "nightly"], p.dir);
    expect(fires.map((f) => f.at)).toEqual(["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    const noon = await json<SimulatedFire[]>(["simulate", "--from", "2026-10-24T00:00:00Z", "--to", "2026-10-26T23:59:59Z", "--task", "no-weekends"], p.dir);
    expect(noon.map((f) => [f.at, f.skip])).toEqual([
      ["2026-10-24T10:00:00.000Z", "it is Saturday (skip.weekdays)"],
      ["2026-10-25T11:00:00.000Z", "it is Sunday (skip.weekdays)"],
      ["2026-10-26T11:00:00.000Z", null],
    ]);
    const text = await runCli(["simulate", "--from", "2026-10-24T00:00:00Z", "--to", "2026-10-26T23:59:59Z", "--task", "no-weekends"], { cwd: p.dir });
    expect(text.stdout).toContain("2026-10-24 12:00:00 CEST  2026-10-24T10:00:00Z  no-weekends  skipped: it is Saturday (skip.weekdays)");
  });

  it("refuses a window that ends before it starts, and an unreadable time", async () => {
    const p = project({ "orchestration.yaml": config });
    const backwards = await runCli(["simulate", "--from", "2026-10-24T00:00:00Z", "--to", "2026-10-23T00:00:00Z"], { cwd: p.dir });
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--to is before --from/);
    const unreadable = await runCli(["simulate", "--from", "soon", "--to", "2026-10-23T00:00:00Z"], { cwd: p.dir });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/--from "soon" is not a time/);
  });
});

describe("orchestrate next", () => {
  it("marks the fires that weekday and date rules will skip", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  no-weekends:
    cron: "0 12 * * *"
    timezone: UTC
    command: "true"
    skip:
      - weekdays: [sat, sun]
      - dates: ["2026-10-27"]
  always-off:
    cron: "0 12 * * *"
    timezone: UTC
    command: "true"
    skip:
      - weekdays: ${EVERY_DAY}
`,
    });
    const fires = await json<Array<{ task: string; at: string; skip?: string }>>(["next", "--task", "no-weekends", "-n", "5", "--from", "2026-10-23T13:00:00Z"], p.dir);
    expect(fires).toEqual([
      { task: "no-weekends", at: "2026-10-24T12:00:00.000Z", skip: "it is Saturday (skip.weekdays)" },
      { task: "no-weekends", at: "2026-10-25T12:00:00.000Z", skip: "it is Sunday (skip.weekdays)" },
      { task: "no-weekends", at: "2026-10-26T12:00:00.000Z" },
      { task: "no-weekends", at: "2026-10-27T12:00:00.000Z", skip: "2026-10-27 is in skip.dates (2026-10-27)" },
      { task: "no-weekends", at: "2026-10-28T12:00:00.000Z" },
    ]);
    const text = await runCli(["next", "--task", "no-weekends", "-n", "2", "--from", "2026-10-23T13:00:00Z"], { cwd: p.dir });
    expect(text.stdout).toContain("no-weekends [skipped: it is Saturday (skip.weekdays)]");
    // A task whose every fire is skipped: status says it has no next fire within a year.
    const status = await json<JobStatus[]>(["status"], p.dir);
    expect(status.find((j) => j.name === "always-off")!.nextFireAt).toBeNull();
  });
});
