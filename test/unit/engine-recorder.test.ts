import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRecorder } from "../../src/engine/recorder.js";
import { EventBus } from "../../src/events/bus.js";
import { systemClock } from "../../src/time/clock.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { newRunRecord } from "../../src/store/types.js";

let dir: string;
let store: SqliteStore;
let logs: string[];
let recorder: RunRecorder;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orchestrate-recorder-"));
  store = new SqliteStore(join(dir, "state.db"), { busyTimeoutMs: 0 });
  const bus = new EventBus();
  logs = [];
  bus.on("log", (e) => logs.push(e.message));
  recorder = new RunRecorder({ store, bus, clock: systemClock, retryMinMs: 20, retryMaxMs: 50 });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the recorder", () => {
  it("hands out increasing ids and records writes in order", async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await recorder.nextRunId());
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(40);
    const id = ids[0]!;
    void recorder.submit({ kind: "create", run: newRunRecord({ id, task: "t", trigger: "manual", status: "running" }) });
    void recorder.submit({ kind: "update", id, patch: { attempts: 1 } });
    await recorder.submit({ kind: "update", id, patch: { status: "succeeded", exitCode: 0 } });
    expect(await store.getRun(id)).toMatchObject({ status: "succeeded", attempts: 1, exitCode: 0 });
  });

  it("while another process holds the lock, writes wait in the queue, are retried, and land once it is released", async () => {
    const id = await recorder.nextRunId();
    const blocker = new Database(join(dir, "state.db"));
    blocker.exec("BEGIN EXCLUSIVE");
    const started = await recorder.submitAndWait({ kind: "create", run: newRunRecord({ id, task: "t", trigger: "manual", status: "running" }) }, 1_000);
    expect(started).toBe(false);
    for (let i = 0; i < 100; i++) void recorder.submit({ kind: "update", id, patch: { output: `line ${i}` } });
    // All updates of one run merge into its queued create: the queue does not grow with them.
    expect(recorder.pending()).toBe(1);
    expect(logs.join("\n")).toMatch(/could not record 1 change\(s\), retrying: database is locked/);
    blocker.exec("COMMIT");
    blocker.close();
    expect(await recorder.flush(5_000)).toBe(true);
    expect(await store.getRun(id)).toMatchObject({ status: "running", output: "line 99" });
  });

  it("a write the store rejects for good is dropped and logged, and does not block the ones behind it", async () => {
    const id = await recorder.nextRunId();
    const run = newRunRecord({ id, task: "t", trigger: "manual", status: "running" });
    await recorder.submit({ kind: "create", run });
    void recorder.submit({ kind: "create", run: { ...run, id } });
    await recorder.submit({ kind: "message", id, message: { at: "2026-01-01T00:00:00.000Z", status: null, message: "still here" } });
    expect(logs.join("\n")).toMatch(/dropped a write the state store rejects \(create\)/);
    expect((await store.getRun(id))!.messages.map((m) => m.message)).toEqual(["still here"]);
  });
});

describe("the recorder on a store that writes asynchronously (PostgreSQL)", () => {
  it("an update made while its run's create is being written is written after it, not merged into it and lost", async () => {
    // The SQLite store, with each write held back by a turn of the event loop, as a network store's are.
    const gate: { release: (() => void) | null } = { release: null };
    const slow = Object.create(store) as SqliteStore;
    slow.applyWrites = async (ops, options) => {
      await new Promise<void>((resolve) => (gate.release = resolve));
      return store.applyWrites(ops, options);
    };
    const bus = new EventBus();
    const asyncRecorder = new RunRecorder({ store: slow, bus, clock: systemClock, retryMinMs: 20, retryMaxMs: 50 });
    const id = 1_000;
    void asyncRecorder.submit({ kind: "create", run: newRunRecord({ id, task: "t", trigger: "manual", status: "running" }) });
    await new Promise((r) => setImmediate(r));
    expect(gate.release).not.toBeNull(); // the create is on its way to the store
    void asyncRecorder.submit({ kind: "update", id, patch: { status: "succeeded", exitCode: 0 } });
    const flushed = asyncRecorder.flush(5_000);
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setImmediate(r));
      gate.release?.();
    }
    await waitUntil(async () => (await store.getRun(id))?.status === "succeeded", () => gate.release?.());
    expect(await flushed).toBe(true);
    expect(await store.getRun(id)).toMatchObject({ status: "succeeded", exitCode: 0 });
  });

  it("an update merges into its run's queued write, a message stops that, and a task's newer slot replaces its queued one", async () => {
    const batches: string[][] = [];
    const counting = Object.create(store) as SqliteStore;
    counting.applyWrites = async (ops, options) => {
      batches.push(ops.map((op) => (op.kind === "slot" ? `slot ${op.task} ${op.slotMs}` : op.kind === "create" ? `create ${op.run.id} ${op.run.status}` : `${op.kind} ${"id" in op ? op.id : ""}`)));
      return store.applyWrites(ops, options);
    };
    const writer = new RunRecorder({ store: counting, bus: new EventBus(), clock: systemClock });
    const [a, b] = [2_000, 2_001];
    void writer.submit({ kind: "create", run: newRunRecord({ id: a, task: "t", trigger: "manual", status: "running" }) });
    void writer.submit({ kind: "slot", task: "t", slotMs: 1_000 });
    void writer.submit({ kind: "create", run: newRunRecord({ id: b, task: "u", trigger: "manual", status: "running" }) });
    void writer.submit({ kind: "update", id: a, patch: { attempts: 1 } });
    void writer.submit({ kind: "slot", task: "t", slotMs: 2_000 });
    void writer.submit({ kind: "message", id: b, message: { at: "2026-01-01T00:00:00.000Z", status: null, message: "hello" } });
    void writer.submit({ kind: "update", id: b, patch: { attempts: 1 } });
    await writer.submit({ kind: "update", id: a, patch: { status: "succeeded", exitCode: 0 } });
    // a's updates joined its create; b's update came after its message, so it stays a write of its own.
    expect(batches).toEqual([[`create ${a} succeeded`, "slot t 2000", `create ${b} running`, `message ${b}`, `update ${b}`]]);
    expect(await store.getRun(a)).toMatchObject({ status: "succeeded", exitCode: 0, attempts: 1 });
    expect(await store.getRun(b)).toMatchObject({ status: "running", attempts: 1 });
    // Once written, nothing merges into what was written: a later update is a write of its own.
    await writer.submit({ kind: "update", id: a, patch: { output: "late" } });
    expect(batches[1]).toEqual([`update ${a}`]);
  });
});

async function waitUntil(condition: () => Promise<boolean>, nudge: () => void): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    nudge();
    await new Promise((r) => setTimeout(r, 5));
  }
}
