import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Daemon, historyOf, linesOf, tempProject, waitFor } from "../helpers/project.js";

describe("a locked state store never delays firing", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  tick:
    cron: "* * * * * *"
    scripts:
      - path: tick.sh
`,
    "tick.sh": `#!/usr/bin/env bash
echo "$ORCHESTRATE_RUN_ID $ORCHESTRATE_SCHEDULED_AT $(date +%s%3N)" >> ticks.txt
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  it("keeps starting scripts on time while another process holds the write lock, then records every run", async () => {
    const ticks = () => linesOf(project.path("ticks.txt"));
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => ticks().length >= 1, { what: "a first tick" });

    const blocker = new Database(project.path(".orchestrate/state.db"));
    blocker.exec("BEGIN EXCLUSIVE");
    const before = ticks().length;
    await waitFor(() => ticks().length >= before + 3, { what: "three ticks while the store is locked" });
    await daemon.waitForOutput(/could not record .*retrying/);
    blocker.exec("COMMIT");
    blocker.close();

    const lines = ticks();
    for (const line of lines.slice(before)) {
      const [, slot, ranAt] = line.split(" ");
      // Started within a second of its slot even though the store refused every write.
      expect(Number(ranAt) - Date.parse(slot!)).toBeLessThan(1_000);
    }
    await daemon.waitForOutput(/state store is writable again/);
    expect(await daemon.stop()).toBe(0);

    const runs = await historyOf(project.dir);
    const ids = new Set(runs.filter((r) => r.status === "succeeded").map((r) => r.id));
    for (const line of lines) expect(ids.has(Number(line.split(" ")[0]))).toBe(true);
  });
});

describe("a locked state store fakes nothing", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  quick:
    cron: "* * * * * *"
    scripts:
      - path: quick.sh
`,
    "quick.sh": `#!/usr/bin/env bash
echo "$ORCHESTRATE_RUN_ID $(date +%s%3N)" >> starts.txt
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  it("no fire is skipped as overlapping a run that had finished, and each run's startedAt is when its script really started", async () => {
    const starts = () => linesOf(project.path("starts.txt"));
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => starts().length >= 1, { what: "a first run" });
    const blocker = new Database(project.path(".orchestrate/state.db"));
    blocker.exec("BEGIN EXCLUSIVE");
    const before = starts().length;
    await waitFor(() => starts().length >= before + 5, { what: "five runs while the store is locked" });
    blocker.exec("COMMIT");
    blocker.close();
    await daemon.waitForOutput(/state store is writable again/);
    expect(await daemon.stop()).toBe(0);

    const runs = await historyOf(project.dir);
    expect(runs.filter((r) => r.status === "skipped")).toEqual([]);
    for (const line of starts()) {
      const [id] = line.split(" ").map(Number);
      const run = runs.find((r) => r.id === id)!;
      expect(run.status).toBe("succeeded");
      // Recorded when its script was started, not before waiting on the store: a start that waited
      // for its record (250 ms, at every fire, while the store was locked) showed as that gap.
      expect(Date.parse(run.invocations[0]!.startedAt!) - Date.parse(run.startedAt!)).toBeLessThan(100);
    }
  });
});
