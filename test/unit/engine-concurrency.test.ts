/**
 * The concurrency policies, decided by the engine with an injected clock and a fake executor: no
 * real process, no waiting. Each test drives a per-second task whose runs the test ends by hand.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { Orchestrator } from "../../src/orchestrator.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ManualClock } from "../../src/time/clock.js";
import type { RunRecord } from "../../src/store/types.js";
import { FakeExecutor } from "../helpers/fake-executor.js";
import { waitFor } from "../helpers/project.js";

interface Harness {
  orchestrator: Orchestrator;
  clock: ManualClock;
  executor: FakeExecutor;
  running: Promise<void>;
  /** Every run record, oldest first (after the store has them). */
  runs(): Promise<RunRecord[]>;
}

let current: Harness | null = null;
afterEach(async () => {
  if (current) {
    current.executor.killAll();
    await current.orchestrator.stop({ graceMs: 0 });
    await current.running;
  }
  current = null;
});

async function perSecondTask(concurrency: string, extra = ""): Promise<Harness> {
  const yaml = `tasks:\n  job:\n    cron: "* * * * * *"\n    concurrency: ${concurrency}\n    command: "work"\n${extra}`;
  const { config, problems } = parseConfigText(yaml, "/tmp/orchestration.yaml");
  expect(problems).toEqual([]);
  const clock = new ManualClock("2026-06-01T10:00:00.500Z");
  const executor = new FakeExecutor();
  // A store of its own outlives stop(), so the tests read what was recorded.
  const store = new SqliteStore(":memory:");
  const orchestrator = new Orchestrator({ config: config!, clock, executor, store });
  const running = orchestrator.executeTasks();
  await waitFor(() => clock.pendingTimers() > 0, { what: "the scheduler to arm" });
  current = {
    orchestrator,
    clock,
    executor,
    running,
    runs: async () => (await store.history({ limit: 1000 })).reverse(),
  };
  return current;
}

/** Lets `seconds` pass, one second at a time, so each slot fires on time. */
async function seconds(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await h.clock.advance(1_000);
}

const slotOf = (process: { spec: { env: Record<string, string> } }) => process.spec.env.ORCHESTRATE_SCHEDULED_AT;

describe("concurrency: forbid", () => {
  it("a fire that finds the previous run still going is recorded as skipped; consecutive ones are one record", async () => {
    const h = await perSecondTask("forbid");
    await seconds(h, 4);
    expect(h.executor.started).toHaveLength(1);
    h.executor.live[0]!.finish(0);
    await h.clock.advance(0);
    await seconds(h, 1);
    expect(h.executor.started).toHaveLength(2);

    const runs = await h.runs();
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "skipped", "running"]);
    expect(runs[1]!.reason).toBe(
      `previous run ${runs[0]!.id} still running (concurrency: forbid); 3 fires in a row, from 2026-06-01T10:00:02.000Z to 2026-06-01T10:00:04.000Z`,
    );
  });

  it("slots due together (after a stall of the timer) never start two runs", async () => {
    const h = await perSecondTask("forbid", "    catch_up: all\n");
    // The timer fires five seconds late: five slots are due at once.
    h.clock.set(Date.parse("2026-06-01T10:00:05.600Z"));
    await h.clock.advance(1_000);
    expect(h.executor.started).toHaveLength(1);
    expect(h.executor.live).toHaveLength(1);
  });
});

describe("concurrency: queue", () => {
  it("runs strictly one at a time, in slot order", async () => {
    const h = await perSecondTask("queue");
    await seconds(h, 3);
    expect(h.executor.started.map(slotOf)).toEqual(["2026-06-01T10:00:01.000Z"]);
    for (let i = 0; i < 2; i++) {
      expect(h.executor.live).toHaveLength(1);
      h.executor.live[0]!.finish(0);
      await h.clock.advance(0);
    }
    expect(h.executor.live).toHaveLength(1);
    expect(h.executor.started.map(slotOf)).toEqual(["2026-06-01T10:00:01.000Z", "2026-06-01T10:00:02.000Z", "2026-06-01T10:00:03.000Z"]);
  });

  it("a stop records the fires still waiting as skipped, and starts none of them", async () => {
    const h = await perSecondTask("queue");
    await seconds(h, 3);
    const stopping = h.orchestrator.stop({ graceMs: 0 });
    await h.clock.advance(0);
    await stopping;
    await h.running;
    current = null;
    expect(h.executor.started).toHaveLength(1);
    const runs = await h.runs();
    expect(runs.map((r) => r.status)).toEqual(["interrupted", "skipped"]);
    expect(runs[1]!.reason).toMatch(/^stopped before its turn; 2 fires in a row, from 2026-06-01T10:00:02.000Z/);
  });
});

describe("concurrency: replace", () => {
  it("stops the old run's process before the new one starts, and records it cancelled", async () => {
    const h = await perSecondTask("replace");
    await seconds(h, 2);
    expect(h.executor.started).toHaveLength(2);
    const [first, second] = h.executor.started;
    expect(first!.cancelled).toBe(true);
    expect(second!.finished).toBe(false);
    second!.finish(0);
    await h.clock.advance(0);
    const runs = await h.runs();
    expect(runs.map((r) => r.status)).toEqual(["cancelled", "succeeded"]);
    expect(runs[0]!.error).toBe("replaced by the fire of 2026-06-01T10:00:02.000Z");
  });
});

describe("concurrency: allow", () => {
  it("lets runs overlap", async () => {
    const h = await perSecondTask("allow");
    await seconds(h, 3);
    expect(h.executor.live).toHaveLength(3);
  });
});
