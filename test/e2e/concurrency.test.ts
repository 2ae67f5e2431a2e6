import { afterEach, describe, expect, it } from "vitest";
import { Daemon, historyOf, linesOf, tempProject, waitFor } from "../helpers/project.js";

/** A task on every second whose script takes longer than that: 2.5 s. */
function slowTask(policy: string) {
  return tempProject({
    "orchestration.yaml": `
tasks:
  slow:
    cron: "* * * * * *"
    concurrency: ${policy}
    scripts:
      - path: slow.sh
`,
    "slow.sh": `#!/usr/bin/env bash
echo "start $ORCHESTRATE_RUN_ID" >> events.txt
sleep 2.5
echo "end $ORCHESTRATE_RUN_ID" >> events.txt
`,
  });
}

const events = (p: ReturnType<typeof slowTask>) =>
  linesOf(p.path("events.txt"));

describe("a fire that finds the previous run still going", () => {
  let daemon: Daemon | null = null;
  let project: ReturnType<typeof slowTask> | null = null;
  afterEach(() => {
    daemon?.kill();
    project?.cleanup();
  });

  it("forbid: is recorded as skipped, naming the run still going", async () => {
    project = slowTask("forbid");
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => events(project!).filter((e) => e.startsWith("end")).length >= 1, { what: "one run to end" });
    expect(await daemon.stop()).toBe(0);
    const runs = await historyOf(project.dir);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]!.reason).toMatch(/previous run \d+ still running/);
    // Never two at once: starts and ends alternate.
    const kinds = events(project).map((e) => e.split(" ")[0]);
    for (let i = 1; i < kinds.length; i++) expect(kinds[i]).not.toBe(kinds[i - 1]);
  });

  it("allow: runs overlap", async () => {
    project = slowTask("allow");
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => events(project!).filter((e) => e.startsWith("start")).length >= 3, { what: "three starts" });
    const kinds = events(project).map((e) => e.split(" ")[0]);
    expect(kinds.slice(0, 2)).toEqual(["start", "start"]);
    expect(await daemon.stop()).toBe(0);
  });

  it("replace: stops the old run's process group and records it cancelled", async () => {
    project = slowTask("replace");
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => events(project!).filter((e) => e.startsWith("start")).length >= 3, { what: "three starts" });
    expect(await daemon.stop()).toBe(0);
    const runs = await historyOf(project.dir);
    const cancelled = runs.filter((r) => r.status === "cancelled");
    expect(cancelled.length).toBeGreaterThanOrEqual(2);
    expect(cancelled[0]!.error).toMatch(/replaced by the fire of/);
    expect(events(project).filter((e) => e === `end ${cancelled[0]!.id}`)).toEqual([]);
  });

  it("queue: runs after the previous one, in order", async () => {
    project = slowTask("queue");
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => events(project!).filter((e) => e.startsWith("end")).length >= 2, { timeoutMs: 30_000, what: "two runs to end" });
    expect(await daemon.stop(30_000)).toBe(0);
    const log = events(project);
    // Strictly one at a time, and each run starts after the one before it ended.
    for (let i = 0; i + 1 < log.length; i += 2) {
      const id = log[i]!.split(" ")[1];
      expect(log[i]).toBe(`start ${id}`);
      expect(log[i + 1]).toBe(`end ${id}`);
    }
    const runs = await historyOf(project.dir);
    // Nothing is skipped for being in the way; only the fires still waiting when the daemon stopped.
    expect(runs.filter((r) => r.status === "skipped" && !r.reason!.startsWith("stopped before its turn"))).toEqual([]);
    const started = runs.filter((r) => r.status === "succeeded").map((r) => r.scheduledAt!);
    expect([...started].sort()).toEqual(started);
  });
});
