import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { Orchestrator } from "../../src/orchestrator.js";
import { ManualClock } from "../../src/time/clock.js";
import { tempProject, waitFor, withDeadline } from "../helpers/project.js";

describe("stopping the daemon", () => {
  it("with fires waiting in a queue (concurrency: queue) stops without starting them, and records them as skipped", async () => {
    const project = tempProject({ "slow.sh": "#!/usr/bin/env bash\nsleep 30\n" });
    const yaml = `tasks:\n  slow:\n    cron: "* * * * * *"\n    concurrency: queue\n    scripts:\n      - path: slow.sh\n`;
    const { config } = parseConfigText(yaml, project.path("orchestration.yaml"));
    const clock = new ManualClock("2026-06-01T10:00:00.500Z");
    const orchestrator = new Orchestrator({ config: config!, clock, state: project.path("state.db") });
    const started: number[] = [];
    orchestrator.on("invocation.started", (e) => started.push(e.runId));
    const running = orchestrator.executeTasks();
    await waitFor(() => clock.pendingTimers() > 0, { what: "the scheduler to arm" });
    await clock.advance(1_000);
    await waitFor(() => started.length === 1, { what: "the first run to start" });
    await clock.advance(2_000);

    await withDeadline(orchestrator.stop({ graceMs: 0 }), 10_000, "stop() with queued fires");
    await running;
    expect(started).toHaveLength(1);
    const runs = await new Orchestrator({ state: project.path("state.db") }).history();
    expect(runs.map((r) => r.status)).toEqual(["skipped", "interrupted"]);
    // The two fires that waited are one record: consecutive skips for one reason extend it.
    expect(runs[0]!.reason).toMatch(/^stopped before its turn; 2 fires in a row/);
    project.cleanup();
  });
});
