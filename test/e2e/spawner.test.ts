import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { alive, BIN, historyOf, linesOf, scratchPerTest, spawnerOf, waitFor, withDeadline } from "../helpers/project.js";

const LONG_TASK = `
tasks:
  long:
    cron: "* * * * * *"
    concurrency: forbid
    command: "echo $$ >> pids.txt; echo $PPID > spawner.txt; sleep 600"
`;

describe("the daemon starts its children through a small spawner process", () => {
  const { project, daemon, defer } = scratchPerTest();

  /** A daemon running LONG_TASK, once its first script has started: the script's pid and its parent's. */
  async function longTaskRunning() {
    const p = project({ "orchestration.yaml": LONG_TASK });
    const d = daemon(["run", "--grace", "1s"], p.dir);
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0, { what: "the script to start" });
    return { p, d, script: Number(linesOf(p.path("pids.txt"))[0]), spawner: Number(linesOf(p.path("spawner.txt"))[0]) };
  }

  it("a script's parent is the spawner, a child of the daemon", async () => {
    const { d, spawner } = await longTaskRunning();
    expect(spawnerOf(d.child.pid!)).toBe(spawner);
    expect(await d.stop()).toBe(0);
  });

  it("a SIGKILL of the daemon kills what the spawner runs, and the restart records the run interrupted", async () => {
    const { p, d, script, spawner } = await longTaskRunning();
    d.kill();
    await d.exited;
    await waitFor(() => !alive(script) && !alive(spawner), { what: "the script and the spawner to be gone", timeoutMs: 10_000 });

    const again = daemon(["run", "--grace", "1s"], p.dir);
    await again.waitForOutput(/\[long#1\] interrupted/);
    expect(await again.stop()).toBe(0);
    const first = (await historyOf(p.dir))[0]!;
    expect(first.id).toBe(1);
    expect(first.status).toBe("interrupted");
  });

  it("a SIGKILL of the spawner fails the run it was running, kills its group, and the next fire gets a new spawner", async () => {
    const { p, d, script, spawner } = await longTaskRunning();
    process.kill(spawner, "SIGKILL");
    await d.waitForOutput(/\[long#1\] failed.*the spawner process that started it killed by SIGKILL/);
    await d.waitForOutput(/the spawner process killed by SIGKILL; 1 running process\(es\) were killed/);
    await waitFor(() => !alive(script), { what: "the script's group to be killed", timeoutMs: 10_000 });
    // The next fire runs, under a new spawner.
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0 && Number(linesOf(p.path("spawner.txt"))[0]) !== spawner, {
      what: "a run under a new spawner",
    });
    expect(spawnerOf(d.child.pid!)).toBe(Number(linesOf(p.path("spawner.txt"))[0]));
    expect(await d.stop(30_000)).toBe(0);
  });

  it("the terminal's Ctrl-C (SIGINT to the whole group) reaches the daemon, not the spawner: the run finishes", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  short:
    cron: "* * * * * *"
    concurrency: forbid
    command: "echo $PPID > spawner.txt; sleep 1; echo done >> done.txt"
`,
    });
    // A group of its own, as a terminal gives the command it runs in the foreground.
    const d = spawn(process.execPath, [BIN, "run"], { cwd: p.dir, detached: true, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    defer(() => void (d.exitCode === null && d.kill("SIGKILL")));
    const exited = new Promise<number | null>((resolve) => d.on("exit", (code) => resolve(code)));
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0, { what: "the script to start" });
    const spawner = Number(linesOf(p.path("spawner.txt"))[0]);
    process.kill(-d.pid!, "SIGINT");
    expect(await withDeadline(exited, 30_000, "the daemon to stop after SIGINT")).toBe(0);
    expect(linesOf(p.path("done.txt"))).toEqual(["done"]);
    await waitFor(() => !alive(spawner), { what: "the spawner to exit with the daemon", timeoutMs: 10_000 });
  });
});

describe("a script that floods its output through the spawner", () => {
  const { project, daemon } = scratchPerTest();

  it("runs to the end, keeps the tail whole in its record, and the daemon goes on firing", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  flood:
    delay: 1s
    command: "yes 0123456789abcdefghij0123456789abcdefghij | head -n 1600000; echo the-last-line"
  after:
    cron: "* * * * * *"
    command: "date +%s >> after.txt"
`,
    });
    // -q: the log keeps only warnings, so this test does not hold 64 MiB of log text.
    const d = daemon(["run", "-q", "--grace", "1s"], p.dir);
    await waitFor(async () => (await historyOf(p.dir, ["flood"])).some((r) => r.status === "succeeded"), { what: "the flood run to succeed", timeoutMs: 60_000 });
    const [run] = await historyOf(p.dir, ["flood"]);
    expect(run!.output.endsWith("0123456789abcdefghij0123456789abcdefghij\nthe-last-line")).toBe(true);
    expect(Buffer.byteLength(run!.output)).toBeLessThanOrEqual(64 * 1024);
    const before = linesOf(p.path("after.txt")).length;
    await waitFor(() => linesOf(p.path("after.txt")).length > before, { what: "a fire after the flood" });
    expect(await d.stop()).toBe(0);
  });
});
