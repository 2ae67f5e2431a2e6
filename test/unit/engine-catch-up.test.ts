import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { Orchestrator } from "../../src/orchestrator.js";
import { ManualClock } from "../../src/time/clock.js";
import type { RunRecord } from "../../src/store/types.js";
import { waitFor } from "../helpers/project.js";

/**
 * A per-minute task; the daemon runs for one fire, is stopped across three more, and restarts:
 * what happens to the three missed fires is the task's catch_up policy. The catch-up runs and the
 * on-time fire are due together; `concurrency: queue` runs them one after another.
 */
async function stopAcrossThreeFires(catchUp: "none" | "latest" | "all", concurrency = "queue"): Promise<RunRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-catch-up-"));
  try {
    const file = join(dir, "orchestration.yaml");
    const yaml = `tasks:\n  minutely:\n    cron: "* * * * *"\n    timezone: UTC\n    catch_up: ${catchUp}\n    concurrency: ${concurrency}\n    command: "true"\n`;
    const { config, problems } = parseConfigText(yaml, file);
    expect(problems).toEqual([]);
    const clock = new ManualClock("2026-06-01T10:00:30Z");

    const finished: number[] = [];
    const first = new Orchestrator({ config: config!, clock });
    first.on("run.succeeded", (e) => finished.push(e.runId));
    const running = first.executeTasks();
    await waitFor(() => clock.pendingTimers() > 0, { what: "the scheduler to arm" });
    await clock.advance(30_000);
    await waitFor(() => finished.length === 1, { what: "the 10:01 run" });
    await first.stop({ graceMs: 0 });
    await running;

    // Down from 10:01:30 to 10:05:01: the 10:02, 10:03 and 10:04 fires fall in downtime (each
    // more than a minute late); 10:05 is only a second late and fires as scheduled.
    clock.set("2026-06-01T10:05:01Z");
    const second = new Orchestrator({ config: config!, clock });
    const settled: number[] = [];
    second.on("run.succeeded", (e) => settled.push(e.runId));
    const again = second.executeTasks();
    const expectedRuns = { none: 0, latest: 1, all: 3 }[catchUp] + 1;
    await waitFor(() => settled.length === expectedRuns, { what: `${expectedRuns} run(s) after the restart` });
    await second.stop({ graceMs: 0 });
    await again;

    const reader = new Orchestrator({ config: config! });
    const runs = await reader.openStore().history({ limit: 100 });
    await reader.close();
    // In scheduled order: a missed record and an on-time fire noticed together may take ids either way.
    return runs.sort((a, b) => a.scheduledAt!.localeCompare(b.scheduledAt!) || a.id - b.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("catch-up after downtime (the daemon stopped across three fires)", () => {

  it("catch_up: none runs none and records the gap as missed", async () => {
    const runs = await stopAcrossThreeFires("none");
    expect(runs.map((r) => [r.trigger, r.status, r.scheduledAt])).toEqual([
      ["schedule", "succeeded", "2026-06-01T10:01:00.000Z"],
      ["schedule", "missed", "2026-06-01T10:02:00.000Z"],
      ["schedule", "succeeded", "2026-06-01T10:05:00.000Z"],
    ]);
    expect(runs[1]!.reason).toMatch(/^3 fire\(s\) from 2026-06-01T10:02:00.000Z to 2026-06-01T10:04:00.000Z/);
  });

  it("catch_up: latest runs one, for the latest missed fire", async () => {
    const runs = await stopAcrossThreeFires("latest");
    expect(runs.map((r) => [r.trigger, r.status, r.scheduledAt])).toEqual([
      ["schedule", "succeeded", "2026-06-01T10:01:00.000Z"],
      ["catch_up", "succeeded", "2026-06-01T10:04:00.000Z"],
      ["schedule", "succeeded", "2026-06-01T10:05:00.000Z"],
    ]);
  });

  it("catch_up: all runs each of the three", async () => {
    const runs = await stopAcrossThreeFires("all");
    expect(runs.map((r) => [r.trigger, r.status, r.scheduledAt])).toEqual([
      ["schedule", "succeeded", "2026-06-01T10:01:00.000Z"],
      ["catch_up", "succeeded", "2026-06-01T10:02:00.000Z"],
      ["catch_up", "succeeded", "2026-06-01T10:03:00.000Z"],
      ["catch_up", "succeeded", "2026-06-01T10:04:00.000Z"],
      ["schedule", "succeeded", "2026-06-01T10:05:00.000Z"],
    ]);
  });
});
