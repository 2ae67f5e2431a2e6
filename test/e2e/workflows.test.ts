/**
 * Workflows (seed 002) through the built CLI: DAGs of real scripts, outputs passed between steps,
 * failures that skip what is downstream and roll back what succeeded, stops and kills mid-run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/types.js";
import { Daemon, historyOf, linesOf, runCli, tempProject, waitFor } from "../helpers/project.js";

let daemons: Daemon[] = [];
let projects: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const d of daemons) d.kill();
  for (const p of projects) p.cleanup();
  daemons = [];
  projects = [];
});

function project(files: Record<string, string>) {
  const p = tempProject(files);
  projects.push(p);
  return p;
}

const show = async (dir: string, id: number): Promise<RunRecord> => JSON.parse((await runCli(["show", String(id), "--json"], { cwd: dir })).stdout);
const step = (run: RunRecord, name: string) => run.steps.find((s) => s.name === name)!;

describe("a diamond a -> (b, c) -> d", () => {
  it("runs b and c in parallel, and passes a's output to d by environment and by template", async () => {
    const p = project({
      "orchestration.yaml": `
workflows:
  diamond:
    steps:
      a: { command: "echo rows=42 >> $ORCHESTRATE_OUTPUT" }
      b: { depends_on: [a], command: "sleep 1.5" }
      c: { depends_on: [a], command: "sleep 1.5" }
      d:
        depends_on: [b, c]
        scripts:
          - path: d.sh
            params: { rows: "{{ steps.a.rows }}" }
`,
      "d.sh": `#!/usr/bin/env bash\necho "env=$ORCHESTRATE_INPUT_A_ROWS args=$*" >> d.txt\n`,
    });
    const started = Date.now();
    const result = await runCli(["trigger", "diamond"], { cwd: p.dir });
    const elapsed = Date.now() - started;
    expect(result.code).toBe(0);
    expect(linesOf(p.path("d.txt"))).toEqual(["env=42 args=--rows 42"]);
    const [run] = await historyOf(p.dir);
    expect(run).toMatchObject({ task: "diamond", status: "succeeded" });
    const [b, c] = [step(run!, "b"), step(run!, "c")];
    // b and c overlapped: each started before the other finished.
    expect(Date.parse(b.startedAt!)).toBeLessThan(Date.parse(c.finishedAt!));
    expect(Date.parse(c.startedAt!)).toBeLessThan(Date.parse(b.finishedAt!));
    expect(elapsed).toBeLessThan(2_900 + 1_500); // one sleep, not two, plus start-up of the CLI
    expect(step(run!, "a").outputs).toEqual({ rows: "42" });
  });
});

describe("a step that fails after its retries", () => {
  it("skips what depends on it, lets an independent branch finish, rolls back what succeeded, and show tells it all", async () => {
    const p = project({
      "orchestration.yaml": `
workflows:
  chain:
    steps:
      a: { command: "echo a >> ran.txt", rollback: { command: "echo rollback-a >> ran.txt" } }
      b: { depends_on: [a], command: "echo b >> ran.txt; exit 3", retries: 2, retry_delay: 100ms }
      c: { depends_on: [b], command: "echo c >> ran.txt" }
      side: { command: "sleep 0.3; echo side >> ran.txt" }
`,
    });
    const result = await runCli(["trigger", "chain"], { cwd: p.dir });
    expect(result.code).toBe(1);
    const ran = linesOf(p.path("ran.txt"));
    expect(ran.filter((l) => l === "b")).toHaveLength(3);
    expect(ran.filter((l) => l === "rollback-a")).toHaveLength(1);
    expect(ran).toContain("side");
    expect(ran).not.toContain("c");
    // The rollback comes after everything else has ended.
    expect(ran.at(-1)).toBe("rollback-a");

    const [summary] = await historyOf(p.dir);
    const run = await show(p.dir, summary!.id);
    expect(run.status).toBe("failed");
    expect(step(run, "b")).toMatchObject({ status: "failed", attempts: 3, exitCode: 3 });
    expect(step(run, "c")).toMatchObject({ status: "skipped", reason: "upstream b failed" });
    expect(step(run, "side").status).toBe("succeeded");
    expect(step(run, "a").rollback).toMatchObject({ status: "succeeded", attempts: 1 });

    const human = (await runCli(["show", String(run.id)], { cwd: p.dir })).stdout;
    expect(human).toMatch(/✗ b\s+failed .*after a .*3 attempts/);
    expect(human).toMatch(/- c\s+skipped .*after b .*upstream b failed/);
    expect(human).toMatch(/✓ a .*\n\s+↩ rollback succeeded/);
  });
});

describe("validate", () => {
  it("reports a cycle (naming it in order), a self-dependency and an unknown dependency, each at its place", async () => {
    const p = project({
      "orchestration.yaml": `workflows:
  w:
    steps:
      extract: { depends_on: [transform], command: "true" }
      transform: { depends_on: [extract], command: "true" }
      loop: { depends_on: [loop], command: "true" }
      load: { depends_on: [transfrom], command: "true" }
`,
    });
    const result = await runCli(["validate"], { cwd: p.dir });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n").map((l) => l.replace(/^.*orchestration\.yaml:/, ""));
    expect(lines).toEqual([
      "5:33: workflows.w.steps.transform.depends_on[0]: steps depend on each other in a cycle: extract -> transform -> extract",
      "6:28: workflows.w.steps.loop.depends_on[0]: step `loop` depends on itself: remove it from its own depends_on",
      "7:28: workflows.w.steps.load.depends_on[0]: unknown step `transfrom`; did you mean `transform`?",
    ]);
  });
});

describe("a recurring workflow", () => {
  it("on a per-second cron with concurrency forbid and a 3 s run records the overlapping fires as skipped", async () => {
    const p = project({
      "orchestration.yaml": `workflows:\n  slow:\n    cron: "* * * * * *"\n    steps:\n      only: { command: "echo start >> runs.txt; sleep 3" }\n`,
    });
    const d = new Daemon(["run"], { cwd: p.dir });
    daemons.push(d);
    await waitFor(() => linesOf(p.path("runs.txt")).length >= 2, { what: "a second run", timeoutMs: 15_000 });
    expect(await d.stop()).toBe(0);
    const runs = await historyOf(p.dir);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]!.reason).toMatch(/^previous run \d+ still running \(concurrency: forbid\)/);
  });

  it("goes by catch_up after downtime, as a task does", async () => {
    const p = project({
      "orchestration.yaml": `workflows:\n  hourly:\n    cron: "* * * * * *"\n    catch_up: latest\n    concurrency: queue\n    steps:\n      only: { command: "true" }\n`,
    });
    const first = new Daemon(["run"], { cwd: p.dir });
    daemons.push(first);
    await first.waitForOutput(/\[hourly#\d+\] succeeded/);
    expect(await first.stop()).toBe(0);
    const stoppedAt = Date.now();
    await waitFor(() => Date.now() - stoppedAt > 4_000, { what: "four seconds of downtime", timeoutMs: 10_000 });
    const second = new Daemon(["run"], { cwd: p.dir });
    daemons.push(second);
    await waitFor(async () => (await historyOf(p.dir)).some((r) => r.trigger === "catch_up" && r.status === "succeeded"), { what: "a catch-up run" });
    expect(await second.stop()).toBe(0);
    expect((await historyOf(p.dir)).filter((r) => r.trigger === "catch_up")).toHaveLength(1);
  });
});

describe("stopping mid-workflow", () => {
  /** Runs once at daemon start; its second step outlasts any grace. */
  const files = {
    "orchestration.yaml": `
workflows:
  long:
    delay: 0s
    steps:
      first: { command: "echo first >> ran.txt" }
      second: { depends_on: [first], command: "echo second >> ran.txt; sleep 30" }
      third: { depends_on: [second], command: "echo third >> ran.txt" }
`,
  };
  const expectInterrupted = async (dir: string) => {
    const run = (await historyOf(dir)).find((r) => r.task === "long")!;
    expect(run.status).toBe("interrupted");
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ["first", "succeeded"],
      ["second", "interrupted"],
      ["third", "pending"],
    ]);
  };

  it("SIGTERM: the running step is stopped after the grace, no new step starts, the run is interrupted with the finished steps recorded", async () => {
    const p = project(files);
    const d = new Daemon(["run", "--grace", "1s"], { cwd: p.dir });
    daemons.push(d);
    await waitFor(() => linesOf(p.path("ran.txt")).includes("second"), { what: "the second step to start" });
    expect(await d.stop()).toBe(0);
    await expectInterrupted(p.dir);
    expect(linesOf(p.path("ran.txt"))).not.toContain("third");
  });

  it("SIGKILL of the daemon: the next start marks the run interrupted, with the finished steps recorded", async () => {
    const p = project(files);
    const d = new Daemon(["run"], { cwd: p.dir });
    daemons.push(d);
    await waitFor(() => linesOf(p.path("ran.txt")).includes("second"), { what: "the second step to start" });
    d.kill();
    await d.exited;
    // The restart fires the workflow again (delay: 0s); the first run is the one the kill cut short.
    // Its own second step may have started by the time it is stopped: a short grace ends it.
    const again = new Daemon(["run", "--grace", "1s"], { cwd: p.dir });
    daemons.push(again);
    await again.waitForOutput(/orchestrate is running/);
    await again.waitForOutput(/\[long#\d+\] interrupted/);
    expect(await again.stop()).toBe(0);
    const interrupted = (await historyOf(p.dir)).filter((r) => r.task === "long");
    expect(interrupted[0]!.status).toBe("interrupted");
    expect(interrupted[0]!.steps.map((s) => [s.name, s.status])).toEqual([
      ["first", "succeeded"],
      ["second", "interrupted"],
      ["third", "pending"],
    ]);
  });
});

describe("examples/workflow.ts (the library, seed 002)", () => {
  it("runs after the build: async function steps pass outputs, and a failing load rolls back in reverse order", async () => {
    const copy = project({});
    const { execFile } = await import("node:child_process");
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(process.cwd(), "dist/examples/workflow.js")], { cwd: copy.dir, timeout: 30_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const lines = output.trim().split("\n");
    const failing = lines.slice(lines.indexOf("etl-that-fails:"));
    expect(lines).toContain("etl: succeeded (run 1)");
    expect(lines).toContain('  etl: load succeeded {"loaded":"2"}');
    expect(failing.filter((l) => / (succeeded|failed|skipped|rolled back)/.test(l) && l.startsWith("  etl-that-fails"))).toEqual([
      '  etl-that-fails: extract succeeded {"rows":"3"}',
      '  etl-that-fails: clean succeeded {"rows":"2"}',
      '  etl-that-fails: enrich succeeded {"source":"crm (3 rows)"}',
      "  etl-that-fails: load failed: function load: the warehouse refused the load (attempt 3)",
      "  etl-that-fails: report skipped (upstream load failed)",
      "  etl-that-fails: extract rolled back: succeeded",
    ]);
    expect(lines.at(-1)).toBe('warehouse: ["2 rows from crm (3 rows)"]');
    expect(readFileSync(join(process.cwd(), "examples/workflow.ts"), "utf8")).toMatch(/addWorkflow/);
  });
});
