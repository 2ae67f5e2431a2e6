/**
 * How a workflow run proceeds, with JavaScript steps the test releases one by one: readiness,
 * max_parallel, outputs, skips behind a failure, and the rollback order. No process, no sleep.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { Orchestrator } from "../../src/orchestrator.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { waitFor } from "../helpers/project.js";

/** A step whose end the test decides: it records that it started, and waits to be released. */
function controlled() {
  const started: string[] = [];
  const gates = new Map<string, { release: (value: unknown) => void; fail: (error: Error) => void }>();
  const step = (name: string, outputs: Record<string, unknown> = {}) => async (inputs: Record<string, Record<string, string>>) => {
    started.push(name);
    await new Promise((release, fail) => gates.set(name, { release, fail }));
    return { ...outputs, saw: Object.keys(inputs).sort().join(",") };
  };
  const release = async (name: string) => {
    await waitFor(() => gates.has(name), { what: `${name} to start` });
    gates.get(name)!.release(undefined);
  };
  const fail = async (name: string, message: string) => {
    await waitFor(() => gates.has(name), { what: `${name} to start` });
    gates.get(name)!.fail(new Error(message));
  };
  return { started, step, release, fail };
}

const orchestratorWith = () => new Orchestrator({ store: new SqliteStore(":memory:") });

describe("a workflow run", () => {
  it("starts a step once all it depends on succeeded, at most max_parallel at once, and passes outputs downstream", async () => {
    const o = orchestratorWith();
    const c = controlled();
    o.addWorkflow("w", { maxParallel: 2 })
      .addStep("a", c.step("a", { n: 1 }))
      .addStep("b", c.step("b"), { dependsOn: ["a"] })
      .addStep("c", c.step("c"), { dependsOn: ["a"] })
      .addStep("d", c.step("d"), { dependsOn: ["a"] })
      .addStep("e", c.step("e"), { dependsOn: ["b", "c", "d"] });
    const run = o.trigger("w");
    await c.release("a");
    await waitFor(() => c.started.length === 3, { what: "two steps after a" });
    expect(c.started).toEqual(["a", "b", "c"]);
    await c.release("b");
    await waitFor(() => c.started.length === 4, { what: "d to start once b ended" });
    await c.release("c");
    await c.release("d");
    await c.release("e");
    const done = await run;
    expect(done.status).toBe("succeeded");
    expect(done.steps.find((s) => s.name === "b")!.outputs).toEqual({ saw: "a" });
    expect(done.steps.find((s) => s.name === "e")!.outputs).toEqual({ saw: "a,b,c,d" });
  });

  it("after a failure: downstream skipped naming it, independent branches run to their end, then rollbacks newest first, a failed one not stopping the rest", async () => {
    const o = orchestratorWith();
    const c = controlled();
    const rolledBack: string[] = [];
    const undo = (name: string, fails = false) => async () => {
      rolledBack.push(name);
      if (fails) throw new Error(`cannot undo ${name}`);
    };
    o.addWorkflow("w")
      .addStep("a", c.step("a"), { rollback: undo("a") })
      .addStep("b", c.step("b"), { dependsOn: ["a"], rollback: { action: undo("b", true), retries: 1, retryDelay: "10ms" } })
      .addStep("c", c.step("c"), { dependsOn: ["b"] })
      .addStep("d", c.step("d"), { dependsOn: ["c"] })
      .addStep("side", c.step("side"), { rollback: undo("side") });
    const run = o.trigger("w");
    await c.release("a");
    await c.release("b");
    await c.fail("c", "boom");
    // side is still going: nothing is rolled back before every branch has ended.
    await waitFor(() => c.started.includes("side"), { what: "side to start" });
    expect(rolledBack).toEqual([]);
    await c.release("side");
    const done = await run;
    expect(done.status).toBe("failed");
    expect(done.error).toBe("step c: function c: boom");
    expect(done.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["a", "succeeded", null],
      ["b", "succeeded", null],
      ["c", "failed", null],
      ["d", "skipped", "upstream c failed"],
      ["side", "succeeded", null],
    ]);
    // Reverse order of completion: side ended last, then b, then a; b's rollback failed twice (1 retry).
    expect(rolledBack).toEqual(["side", "b", "b", "a"]);
    expect(done.steps.find((s) => s.name === "b")!.rollback).toMatchObject({ status: "failed", attempts: 2, error: "function b rollback: cannot undo b" });
    expect(done.steps.find((s) => s.name === "a")!.rollback).toMatchObject({ status: "succeeded" });
  });

  it("a step skipped by its own skip condition lets the steps after it run", async () => {
    const yaml = `workflows:\n  w:\n    steps:\n      first: { command: "true", skip: [ { env: SKIP_IT } ] }\n      second: { depends_on: [first], command: "true" }\n`;
    const { config, problems } = parseConfigText(yaml, "/tmp/orchestration.yaml");
    expect(problems).toEqual([]);
    const o = new Orchestrator({ config: config!, store: new SqliteStore(":memory:"), env: { ...process.env, SKIP_IT: "1" } });
    const done = await o.trigger("w");
    expect(done.status).toBe("succeeded");
    expect(done.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ["first", "skipped", "environment variable SKIP_IT is set (skip.env)"],
      ["second", "succeeded", null],
    ]);
  });

  it("a JavaScript step that outlasts its timeout is aborted through its signal and fails", async () => {
    const o = orchestratorWith();
    let aborted = false;
    o.addWorkflow("w").addStep(
      "slow",
      (_inputs, { signal }) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve(undefined);
          });
        }),
      { timeout: "200ms" },
    );
    const done = await o.trigger("w");
    expect(aborted).toBe(true);
    expect(done.steps[0]).toMatchObject({ status: "failed", error: "function slow: timed out after 200ms" });
  });

  it("refuses, in code, a step that depends on one not added yet, and one that names itself", () => {
    const o = orchestratorWith();
    const w = o.addWorkflow("w").addStep("a", async () => ({}));
    expect(() => w.addStep("b", async () => ({}), { dependsOn: ["c"] })).toThrow(/depends on "c", which is not a step of w yet/);
    expect(() => w.addStep("b", async () => ({}), { dependsOn: ["b"] })).toThrow(/depends on itself/);
    expect(() => o.addTask("0 * * * *", "bash", { name: "w" })).toThrow(/already a task or workflow named "w"/);
  });
});
