/**
 * Steering and hearing from runs without the API: scripts report on their own run (bash through
 * the CLI, python through the shipped module), tasks are paused and resumed across restarts, and
 * `orchestrate logs -f` follows a run's output while it runs.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { BIN, historyOf, linesOf, runCli, waitFor, scratchPerTest } from "../helpers/project.js";

const { project, daemon, defer } = scratchPerTest();
async function receiver() {
  const bodies: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

describe("reports from scripts", () => {
  it("a bash script's `orchestrate report` and a python script's decorator reach show and a webhook; the exit code decides", async () => {
    const hook = await receiver();
    const p = project({
      "orchestration.yaml": `
notify:
  - webhook: ${hook.url}
    events: [message, succeeded, failed]
tasks:
  shell:
    scripts: [ { path: halfway.sh } ]
  py:
    type: python
    scripts: [ { path: job.py } ]
  liar:
    type: python
    scripts: [ { path: liar.py } ]
`,
      "halfway.sh": `#!/usr/bin/env bash\n"$ORCHESTRATE_BIN" report --message halfway\n"$ORCHESTRATE_BIN" report --status running --message "still going"\n`,
      "job.py": `import orchestrate\n\n@orchestrate.run()\ndef main():\n    orchestrate.report(message="crunching")\n\nmain()\n`,
      "liar.py": `import orchestrate\norchestrate.report(status="failed", message="it went wrong")\n`,
    });
    const d = daemon(["run"], p.dir);
    await d.waitForOutput(/orchestrate is running/);
    for (const task of ["shell", "py", "liar"]) expect((await runCli(["trigger", task], { cwd: p.dir })).code).toBe(0);
    const runs = await historyOf(p.dir);
    const by = (task: string) => runs.find((r) => r.task === task)!;
    expect(by("shell").messages.map((m) => [m.status, m.message])).toEqual([
      [null, "halfway"],
      ["running", "still going"],
    ]);
    expect(by("py").messages.map((m) => [m.status, m.message])).toEqual([
      ["running", "main started"],
      [null, "crunching"],
      ["succeeded", "main finished"],
    ]);
    expect(by("liar")).toMatchObject({ status: "succeeded", messages: [{ status: "failed", message: "it went wrong" }] });
    const shown = (await runCli(["show", String(by("shell").id)], { cwd: p.dir })).stdout;
    expect(shown).toMatch(/message .*: halfway/);
    // The webhook hears each message, before the run's end.
    await waitFor(() => hook.bodies.filter((b) => b.event === "run.succeeded").length === 3, { what: "three endings" });
    const events = hook.bodies.filter((b) => b.task === "shell").map((b) => [b.event, b.message]);
    expect(events).toEqual([
      ["run.message", "halfway"],
      ["run.message", "still going"],
      ["run.succeeded", null],
    ]);
    expect(await d.stop()).toBe(0);
  });

  it("outside a run, report says what is missing and exits 2", async () => {
    const p = project({ "orchestration.yaml": "tasks: {}\n" });
    const result = await runCli(["report", "--message", "hello"], { cwd: p.dir, env: { ORCHESTRATE_RUN_ID: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ORCHESTRATE_RUN_ID is not set/);
  });
});

describe("pause and resume", () => {
  it("a paused task's fires are skipped (one record) within a second, even across a restart; resume lets it fire again", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  tick:\n    cron: "* * * * * *"\n    scripts: [ { path: tick.sh } ]\n`,
      "tick.sh": `#!/usr/bin/env bash\necho "$ORCHESTRATE_RUN_ID" >> ticks.txt\n`,
    });
    const ticks = () => linesOf(p.path("ticks.txt")).length;
    let d = daemon(["run"], p.dir);
    await waitFor(() => ticks() >= 1, { what: "a tick" });
    expect((await runCli(["pause", "tick"], { cwd: p.dir })).stdout).toBe("tick is paused\n");
    // Within a second the daemon has seen it: at most the fire already under way ticks on.
    const pausedAt = Date.now();
    await waitFor(() => Date.now() - pausedAt > 1_500, { what: "the pause to settle" });
    const frozen = ticks();
    expect(await d.stop()).toBe(0);

    d = daemon(["run"], p.dir);
    await d.waitForOutput(/\[tick#\d+\] skipped: paused/);
    await d.waitForOutput(/\[tick#\d+\] skipped: paused[\s\S]*\[tick#\d+\] skipped: paused/);
    expect(ticks()).toBe(frozen);
    expect((await runCli(["resume", "tick"], { cwd: p.dir })).code).toBe(0);
    await waitFor(() => ticks() > frozen, { what: "a tick after resume" });
    expect(await d.stop()).toBe(0);
    const paused = (await historyOf(p.dir)).filter((r) => r.reason?.startsWith("paused"));
    // One record per pause and daemon: consecutive paused fires extend it.
    expect(paused.length).toBeLessThanOrEqual(2);
    expect(paused.some((r) => /fires in a row/.test(r.reason!))).toBe(true);
  });

  it("an unknown task is refused, naming the ones there are", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n  tick: { command: "true" }\n` });
    const result = await runCli(["pause", "tock"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no task named "tock"; tasks are: tick/);
  });
});

describe("orchestrate logs", () => {
  it("-f follows a running run's output until it ends", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  chatty:\n    delay: 0s\n    scripts: [ { path: chatty.sh } ]\n`,
      "chatty.sh": `#!/usr/bin/env bash\nfor i in 1 2 3 4 5; do echo "line $i"; sleep 1; done\n`,
    });
    const d = daemon(["run"], p.dir);
    const [, id] = await d.waitForOutput(/\[chatty#(\d+)\] started/);
    const follower = spawn(process.execPath, [BIN, "logs", id!, "-f"], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    follower.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.on("exit", resolve));
    // Lines arrive while the run is still going, not all at its end.
    await waitFor(() => out.includes("line 2"), { what: "output while the run goes on", timeoutMs: 10_000 });
    expect(out).not.toContain("line 5");
    expect(await exited).toBe(0);
    expect(out).toBe("line 1\nline 2\nline 3\nline 4\nline 5\n");
    expect(await d.stop()).toBe(0);
  });
});
