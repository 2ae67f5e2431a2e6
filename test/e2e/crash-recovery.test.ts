import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { alive, Daemon, historyOf, linesOf, runCli, spawnerOf, tempProject, waitFor } from "../helpers/project.js";

describe("a daemon killed with SIGKILL loses no run", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  work:
    cron: "* * * * * *"
    concurrency: allow
    scripts:
      - path: work.sh
`,
    "work.sh": `#!/usr/bin/env bash
echo "$ORCHESTRATE_RUN_ID" >> started.txt
sleep 0.5
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  it("kill -9 during a run, then a restart: the run is interrupted, the store is intact, nothing is duplicated (20 kills)", async () => {
    const started = () => linesOf(project.path("started.txt"));
    // Each kind of moment in turn, each reached by waiting for what marks it, never by a timer.
    const moments = [
      async () => undefined, // during start-up
      async (d: Daemon) => void (await d.waitForOutput(/orchestrate is running/)), // started, maybe between fires
      async () => {
        const before = started().length; // while a script runs: right after it wrote its start
        await waitFor(() => started().length > before, { what: "a script to start" });
      },
      async (d: Daemon) => void (await d.waitForOutput(/\] succeeded/)), // just after a run ended
    ];
    for (let round = 0; round < 20; round++) {
      daemon = new Daemon(["run"], { cwd: project.dir });
      await moments[round % moments.length]!(daemon);
      daemon.kill();
      await daemon.exited;
    }
    // The last restart recovers what the last kill left behind.
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/orchestrate is running/);
    await waitFor(() => started().length > 0, { what: "at least one script start" });
    expect(await daemon.stop()).toBe(0);

    const runs = await historyOf(project.dir);
    const byId = new Map(runs.map((r) => [r.id, r]));
    // Every run a script saw start is in the store.
    for (const id of started()) expect(byId.has(Number(id)), `run ${id} was started but not recorded`).toBe(true);
    // Nothing is left running, and at least one kill caught a run in flight.
    expect(runs.filter((r) => r.status === "running" || r.status === "pending")).toEqual([]);
    expect(runs.some((r) => r.status === "interrupted")).toBe(true);
    // No scheduled slot ran twice.
    const slots = runs.filter((r) => r.trigger === "schedule" && r.status !== "missed").map((r) => r.scheduledAt);
    expect(new Set(slots).size).toBe(slots.length);

    const db = new Database(project.path(".orchestrate/state.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  }, 120_000);
});

describe("two daemons on one state store", () => {
  const project = tempProject({
    "orchestration.yaml": `tasks:\n  t:\n    cron: "0 0 * * *"\n    command: "true"\n`,
  });
  let first: Daemon | null = null;
  afterEach(() => first?.kill());
  afterAll(() => project.cleanup());

  it("refuses the second with a clear error naming the first one's pid, while trigger and history still work", async () => {
    first = new Daemon(["run"], { cwd: project.dir });
    await first.waitForOutput(/orchestrate is running/);
    const second = await runCli(["run"], { cwd: project.dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`another orchestrate daemon \\(pid ${first.child.pid} `));
    expect(second.stderr).not.toMatch(/\n\s+at /);

    const trigger = await runCli(["trigger", "t"], { cwd: project.dir });
    expect(trigger.code).toBe(0);
    const runs = await historyOf(project.dir);
    expect(runs.map((r) => [r.task, r.trigger, r.status])).toEqual([["t", "manual", "succeeded"]]);
    expect(await first.stop()).toBe(0);
  });
});

describe("the scripts of a daemon killed with SIGKILL together with its spawner", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  long:
    cron: "* * * * * *"
    timeout: 5s
    scripts:
      - path: long.sh
`,
    "long.sh": `#!/usr/bin/env bash
# A run that starts while an earlier one still lives says so.
for p in $(cat pids.txt 2>/dev/null); do
  state=$(awk '/^State:/ {print $2}' /proc/$p/status 2>/dev/null)
  if [ -n "$state" ] && [ "$state" != Z ]; then echo "$$ beside $p" >> overlaps.txt; fi
done
echo "$$" >> pids.txt
sleep 1301 &
wait
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => {
    for (const pid of linesOf(project.path("pids.txt"))) {
      try {
        process.kill(-Number(pid), "SIGKILL");
      } catch {
        // gone
      }
    }
    project.cleanup();
  });

  it("are stopped by the next start before their task runs again; the run is interrupted", async () => {
    const pids = () => linesOf(project.path("pids.txt")).map(Number);
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => pids().length === 1, { what: "the long script to start" });
    // Killed together with its spawner (the OOM killer, a kill -9 of both): nobody is left to stop
    // the scripts. Frozen first, so that neither can react to the other's death.
    const spawner = spawnerOf(daemon.child.pid!)!;
    daemon.signal("SIGSTOP");
    process.kill(spawner, "SIGKILL");
    daemon.kill();
    await daemon.exited;
    const [orphan] = pids();
    expect(alive(orphan!)).toBe(true);

    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/outlived the daemon that started them/);
    await waitFor(() => !alive(orphan!), { what: "the orphaned script to be stopped", timeoutMs: 15_000 });
    // The task runs again only once its survivor is gone: never two of them at once.
    await waitFor(() => pids().length === 2, { what: "the next run" });
    expect(linesOf(project.path("overlaps.txt"))).toEqual([]);
    expect(await daemon.stop()).toBe(0);
    const [first] = await historyOf(project.dir);
    expect(first).toMatchObject({ status: "interrupted" });
  });
});
