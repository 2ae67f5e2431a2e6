/**
 * What the engine announces: `deadline:` as run.late, once, and every run state change appended
 * to the store's event journal in order. An injected clock and a fake executor; no real process.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { Orchestrator } from "../../src/orchestrator.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ManualClock } from "../../src/time/clock.js";
import { FakeExecutor } from "../helpers/fake-executor.js";
import { waitFor } from "../helpers/project.js";

async function start(yaml: string, at = "2026-06-01T10:00:00.500Z") {
  const { config, problems } = parseConfigText(yaml, "/tmp/orchestration.yaml");
  expect(problems).toEqual([]);
  const clock = new ManualClock(at);
  const executor = new FakeExecutor();
  const store = new SqliteStore(":memory:");
  const orchestrator = new Orchestrator({ config: config!, clock, executor, store });
  const running = orchestrator.executeTasks();
  await waitFor(() => clock.pendingTimers() > 0, { what: "the scheduler to arm" });
  const stop = async () => {
    executor.killAll();
    await orchestrator.stop({ graceMs: 0 });
    await running;
  };
  return { orchestrator, clock, executor, store, stop };
}

describe("deadline", () => {
  it("a run not finished `deadline` after its fire is announced late, once", async () => {
    const h = await start(`tasks:\n  slow:\n    cron: "0 * * * *"\n    deadline: 2s\n    command: "work"\n`, "2026-06-01T10:59:59.500Z");
    const late: unknown[] = [];
    h.orchestrator.on("run.late", (e) => late.push(e));
    await h.clock.advance(500);
    expect(h.executor.live).toHaveLength(1);
    await h.clock.advance(1_500);
    expect(late).toEqual([]);
    await h.clock.advance(1_000);
    expect(late).toEqual([{ runId: expect.any(Number), task: "slow", at: "2026-06-01T11:00:02.000Z", scheduledAt: "2026-06-01T11:00:00.000Z", deadlineMs: 2_000 }]);
    await h.clock.advance(10_000);
    expect(late).toHaveLength(1);
    await h.stop();
  });

  it("a run that finished in time is never late", async () => {
    const h = await start(`tasks:\n  quick:\n    cron: "0 * * * *"\n    deadline: 2s\n    command: "work"\n`, "2026-06-01T10:59:59.500Z");
    const late: unknown[] = [];
    h.orchestrator.on("run.late", (e) => late.push(e));
    await h.clock.advance(500);
    h.executor.live[0]!.finish(0);
    await h.clock.advance(5_000);
    expect(late).toEqual([]);
    await h.stop();
  });
});

describe("the event journal", () => {
  it("holds each run's state changes, in order, with increasing sequence numbers", async () => {
    const h = await start(`tasks:\n  job:\n    cron: "* * * * * *"\n    command: "work"\n`);
    await h.clock.advance(1_000);
    h.executor.live[0]!.finish(0);
    await h.clock.advance(0);
    await h.stop();
    const [run] = await h.store.history({});
    const events = await h.store.readEvents({ runId: run!.id });
    expect(events.map((e) => e.type)).toEqual(["run.started", "run.succeeded"]);
    expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
    expect(events[1]!.data).toMatchObject({ status: "succeeded", exitCode: 0 });
  });
});
