import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { alive, BIN, historyOf, linesOf, scratchPerTest, waitFor, withDeadline } from "../helpers/project.js";

/** The parent of `pid`, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
}

const LONG_TASK = `
tasks:
  long:
    cron: "* * * * * *"
    concurrency: forbid
    command: "echo $$ >> pids.txt; echo $PPID > spawner.txt; sleep 600"
`;

describe("the daemon starts its children through a small spawner process", () => {
  const { project, daemon, defer } = scratchPerTest();

  it("a script's parent is the spawner, a child of the daemon that loads no config", async () => {
    const p = project({ "orchestration.yaml": LONG_TASK });
    const d = daemon(["run", "--grace", "1s"], p.dir);
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0, { what: "the script to start" });
    const spawner = Number(linesOf(p.path("spawner.txt"))[0]);
    expect(parentOf(spawner)).toBe(d.child.pid);
    expect(commandLineOf(spawner)).toMatch(/spawner\/main\.js/);
    expect(await d.stop()).toBe(0);
  });

  it("a SIGKILL of the daemon kills what the spawner runs, and the restart records the run interrupted", async () => {
    const p = project({ "orchestration.yaml": LONG_TASK });
    const d = daemon(["run", "--grace", "1s"], p.dir);
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0, { what: "the script to start" });
    const script = Number(linesOf(p.path("pids.txt"))[0]);
    const spawner = Number(linesOf(p.path("spawner.txt"))[0]);
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
    const p = project({ "orchestration.yaml": LONG_TASK });
    const d = daemon(["run", "--grace", "1s"], p.dir);
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0, { what: "the script to start" });
    const script = Number(linesOf(p.path("pids.txt"))[0]);
    const spawner = Number(linesOf(p.path("spawner.txt"))[0]);
    process.kill(spawner, "SIGKILL");
    await d.waitForOutput(/\[long#1\] failed.*the spawner process that started it killed by SIGKILL/);
    await d.waitForOutput(/the spawner process killed by SIGKILL; 1 running process\(es\) were killed/);
    await waitFor(() => !alive(script), { what: "the script's group to be killed", timeoutMs: 10_000 });
    // The next fire runs, under a new spawner.
    await waitFor(() => linesOf(p.path("spawner.txt")).length > 0 && Number(linesOf(p.path("spawner.txt"))[0]) !== spawner, {
      what: "a run under a new spawner",
    });
    expect(parentOf(Number(linesOf(p.path("spawner.txt"))[0]))).toBe(d.child.pid);
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
