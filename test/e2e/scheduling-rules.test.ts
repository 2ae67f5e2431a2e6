/**
 * The scheduling rules at the edges operators hit in their first week: restarts, bursts, stops,
 * signals and dry runs, each through the built CLI against a real store.
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
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

function daemon(args: string[], cwd: string): Daemon {
  const d = new Daemon(args, { cwd });
  daemons.push(d);
  return d;
}

/** Waits until `ms` have passed since `since`: the passing of time (downtime, fires piling up) is the condition here. */
async function elapsed(since: number, ms: number): Promise<void> {
  await waitFor(() => Date.now() - since >= ms, { what: `${ms} ms to pass`, timeoutMs: ms + 5_000 });
}

/** start/end lines a script wrote as `start ID` / `end ID`: true if two runs ever overlapped. */
function overlapped(lines: string[]): boolean {
  let open = 0;
  for (const line of lines) {
    open += line.startsWith("start") ? 1 : -1;
    if (open > 1) return true;
  }
  return false;
}

describe("a restart after a short downtime", () => {
  it("never starts overlapping runs of a forbid task (the slots found due at once are decided one by one)", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  slow:\n    cron: "* * * * * *"\n    catch_up: all\n    scripts:\n      - path: slow.sh\n`,
      "slow.sh": `#!/usr/bin/env bash\necho "start $ORCHESTRATE_RUN_ID" >> events.txt\nsleep 1.5\necho "end $ORCHESTRATE_RUN_ID" >> events.txt\n`,
    });
    const first = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("events.txt")).some((l) => l.startsWith("end")), { what: "a first run to end" });
    expect(await first.stop()).toBe(0);
    const stoppedAt = Date.now();
    await elapsed(stoppedAt, 5_000);

    const before = linesOf(p.path("events.txt")).length;
    const second = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("events.txt")).slice(before).filter((l) => l.startsWith("end")).length >= 2, { what: "two runs after the restart" });
    expect(await second.stop()).toBe(0);
    expect(overlapped(linesOf(p.path("events.txt")))).toBe(false);
  });

  it("goes by catch_up: none records the missed fires, latest runs one for them, all runs each; the newest slot fires as scheduled", async () => {
    const task = (name: string, policy: string) => `  ${name}:\n    cron: "* * * * * *"\n    concurrency: allow\n    catch_up: ${policy}\n    command: "true"\n`;
    const p = project({ "orchestration.yaml": `tasks:\n${task("none", "none")}${task("latest", "latest")}${task("all", "all")}` });
    const first = daemon(["run"], p.dir);
    await first.waitForOutput(/\[all#\d+\] succeeded/);
    expect(await first.stop()).toBe(0);
    const stoppedAt = Date.now();
    const lastBefore = Math.max(...(await historyOf(p.dir)).map((r) => r.id));
    await elapsed(stoppedAt, 5_000);

    const second = daemon(["run"], p.dir);
    await second.waitForOutput(/orchestrate is running/);
    await waitFor(async () => (await historyOf(p.dir)).filter((r) => r.id > lastBefore && r.trigger === "schedule" && r.status === "succeeded").length >= 3, {
      what: "each task's first scheduled run after the restart",
    });
    expect(await second.stop()).toBe(0);

    const after = (await historyOf(p.dir)).filter((r) => r.id > lastBefore);
    const of = (task: string) => after.filter((r) => r.task === task);

    // none: the seconds of downtime are one missed record, not a run each.
    const missed = of("none").filter((r) => r.status === "missed");
    expect(missed).toHaveLength(1);
    expect(missed[0]!.reason).toMatch(/^\d+ fire\(s\) from .* fell in downtime/);
    expect(of("none").filter((r) => r.trigger === "catch_up")).toEqual([]);
    // latest: one catch-up run stands for them.
    expect(after.filter((r) => r.task === "latest" && r.trigger === "catch_up")).toHaveLength(1);
    // all: each missed second runs, as a catch-up.
    expect(after.filter((r) => r.task === "all" && r.trigger === "catch_up").length).toBeGreaterThanOrEqual(3);
    // No task ran the missed seconds as ordinary scheduled fires.
    for (const name of ["none", "latest", "all"]) {
      const lags = of(name)
        .filter((r) => r.trigger === "schedule" && r.status === "succeeded")
        .map((r) => Date.parse(r.startedAt!) - Date.parse(r.scheduledAt!));
      expect(Math.max(...lags), `${name} ran old slots as scheduled fires`).toBeLessThan(1_500);
    }
  });
});

describe("stopping the daemon", () => {
  it("records the fires waiting in a queue as skipped, stopped before their turn", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  slow:\n    cron: "* * * * * *"\n    concurrency: queue\n    scripts:\n      - path: slow.sh\n`,
      "slow.sh": `#!/usr/bin/env bash\necho "start $ORCHESTRATE_RUN_ID" >> events.txt\nsleep 3\n`,
    });
    const d = daemon(["run", "--grace", "10s"], p.dir);
    await waitFor(() => linesOf(p.path("events.txt")).length >= 1, { what: "the first run" });
    // Fires come every second: after two more, they wait behind the first run.
    await elapsed(Date.now(), 2_000);
    expect(await d.stop(30_000)).toBe(0);
    const runs = await historyOf(p.dir);
    const stopped = runs.filter((r) => r.status === "skipped" && r.reason?.startsWith("stopped before its turn"));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.reason).toMatch(/; \d+ fires in a row, from /);
    expect(linesOf(p.path("events.txt"))).toHaveLength(1);
  });

  it("does not wait out a retry backoff: the run ends interrupted at once, with its last error, and is not tried again", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  flaky:\n    every: 1h\n    retries: 3\n    retry_delay: 30s\n    scripts:\n      - path: fail.sh\n`,
      "fail.sh": `#!/usr/bin/env bash\necho attempt >> attempts.txt\nexit 3\n`,
    });
    const d = daemon(["run"], p.dir);
    await d.waitForOutput(/retrying in/);
    const stopAt = Date.now();
    expect(await d.stop()).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    expect(linesOf(p.path("attempts.txt"))).toHaveLength(1);
    const [run] = await historyOf(p.dir);
    expect(run).toMatchObject({ status: "interrupted", error: expect.stringMatching(/exited with code 3/) });
  });
});

describe("one-off runs take the config's defaults", () => {
  it("retries, retry_delay, timeout and env apply to `orchestrate schedule --script`", async () => {
    const p = project({
      "orchestration.yaml": `defaults:\n  retries: 1\n  retry_delay: 100ms\n  env: { GREETING: hello }\ntasks:\n  idle:\n    command: "true"\n`,
      "once.sh": `#!/usr/bin/env bash\necho "$GREETING" >> greetings.txt\nexit 1\n`,
    });
    const d = daemon(["run"], p.dir);
    await d.waitForOutput(/orchestrate is running/);
    const id = Number((await runCli(["schedule", "--script", "once.sh"], { cwd: p.dir })).stdout.trim());
    await waitFor(async () => (await historyOf(p.dir)).some((r) => r.id === id && r.status === "failed"), { what: "the one-off to fail" });
    expect(await d.stop()).toBe(0);
    expect(linesOf(p.path("greetings.txt"))).toEqual(["hello", "hello"]);
    expect((await historyOf(p.dir)).find((r) => r.id === id)).toMatchObject({ attempts: 2 });
  });
});

describe("consecutive skips", () => {
  it("of a long run of a per-second forbid task are one record that counts them", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  long:\n    cron: "* * * * * *"\n    scripts:\n      - path: long.sh\n`,
      "long.sh": `#!/usr/bin/env bash\necho start >> events.txt\nsleep 4\necho end >> events.txt\n`,
    });
    const d = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("events.txt")).includes("end"), { what: "the first long run to end" });
    expect(await d.stop()).toBe(0);
    const skipped = (await historyOf(p.dir)).filter((r) => r.status === "skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toMatch(/^previous run \d+ still running \(concurrency: forbid\); [34] fires in a row, from \S+ to \S+$/);
  });
});

describe("SIGHUP (a closed terminal, systemctl reload)", () => {
  it("is logged, and the daemon keeps running its runs", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  tick:\n    cron: "* * * * * *"\n    scripts:\n      - path: tick.sh\n`,
      "tick.sh": `#!/usr/bin/env bash\necho "$ORCHESTRATE_RUN_ID" >> ticks.txt\n`,
    });
    const d = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("ticks.txt")).length >= 1, { what: "a first tick" });
    d.signal("SIGHUP");
    await d.waitForOutput(/SIGHUP: reloaded/);
    const after = linesOf(p.path("ticks.txt")).length;
    await waitFor(() => linesOf(p.path("ticks.txt")).length >= after + 2, { what: "ticks after the SIGHUP" });
    expect(await d.stop()).toBe(0);
    expect((await historyOf(p.dir)).filter((r) => r.status === "running")).toEqual([]);
  });
});

describe("--dry-run", () => {
  it("reads and writes no store, runs beside a live daemon, and logs the exact command of each fire", async () => {
    const p = project({
      "orchestration.yaml": `tasks:\n  hourly:\n    every: 1h\n    scripts:\n      - path: report.sh\n        params: { day: "{{ scheduled_at | date: yyyy-MM-dd }}", note: "two words" }\n`,
      "report.sh": `#!/usr/bin/env bash\necho "$@" >> ran.txt\n`,
    });
    const dry = daemon(["run", "--dry-run"], p.dir);
    await dry.waitForOutput(/would run bash \S+\/report\.sh --day \d{4}-\d{2}-\d{2} --note 'two words'/);
    expect(await dry.stop()).toBe(0);
    expect(existsSync(p.path(".orchestrate/state.db"))).toBe(false);
    expect(existsSync(p.path("ran.txt"))).toBe(false);

    // The dry run used no slot: a real daemon fires the hourly task at once, as on a first start.
    const live = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("ran.txt")).length === 1, { what: "the real first fire" });
    // And a dry run beside a live daemon is not refused by its lock.
    const beside = daemon(["run", "--dry-run"], p.dir);
    await beside.waitForOutput(/would run bash/);
    expect(await beside.stop()).toBe(0);
    expect(await live.stop()).toBe(0);
  });
});
