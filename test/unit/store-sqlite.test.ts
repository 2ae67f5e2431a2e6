import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { newRunRecord, StoreLockedError, type RunRecord } from "../../src/store/types.js";

let dir: string;
let stores: SqliteStore[] = [];
const open = () => {
  const store = new SqliteStore(join(dir, "state.db"));
  stores.push(store);
  return store;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orchestrate-store-"));
  stores = [];
});
afterEach(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const finished = (id: number, task: string, at: string, status: RunRecord["status"] = "succeeded") =>
  newRunRecord({ id, task, trigger: "schedule", status, scheduledAt: at, startedAt: at, finishedAt: at });

describe("run ids", () => {
  it("two processes reserving ids never get the same one, and plain creates come after both", async () => {
    const a = open();
    const b = open();
    const firstA = await a.reserveRunIds(16);
    const firstB = await b.reserveRunIds(16);
    expect(firstB).toBeGreaterThanOrEqual(firstA + 16);
    const created = await a.createRun({ task: "t", trigger: "manual", status: "running", scheduledAt: null });
    expect(created).toBeGreaterThanOrEqual(firstB + 16);
    await a.applyWrites([{ kind: "create", run: finished(firstA, "t", "2026-01-01T00:00:00.000Z") }]);
    await b.applyWrites([{ kind: "create", run: finished(firstB, "t", "2026-01-01T00:00:01.000Z") }]);
    expect((await a.history({})).map((r) => r.id)).toEqual([created, firstB, firstA]);
  });
});

describe("writes", () => {
  it("a batch is all or nothing", async () => {
    const store = open();
    const id = await store.reserveRunIds(2);
    await expect(
      store.applyWrites([
        { kind: "create", run: finished(id, "t", "2026-01-01T00:00:00.000Z") },
        { kind: "create", run: finished(id, "t", "2026-01-01T00:00:00.000Z") },
      ]),
    ).rejects.toThrow(/UNIQUE/);
    expect(await store.getRun(id)).toBeNull();
  });

  it("keeps every SPEC field through a round trip, messages included", async () => {
    const store = open();
    const id = await store.reserveRunIds(1);
    const run: RunRecord = {
      ...finished(id, "report", "2026-01-01T00:00:00.000Z", "failed"),
      attempts: 3,
      exitCode: 2,
      error: "boom",
      output: "tail",
      http: { status: 503, headers: { "content-type": "text/plain" }, body: "down" },
      invocations: [{ index: 1, target: "a.sh", params: [["k", "v"]], status: "failed", attempts: 3, exitCode: 2, signal: null, error: "boom", output: "tail", startedAt: null, finishedAt: null }],
      messages: [{ at: "2026-01-01T00:00:00.500Z", status: "running", message: "halfway" }],
    };
    await store.applyWrites([{ kind: "create", run }]);
    expect(await store.getRun(id)).toEqual(run);
  });
});

describe("retention", () => {
  it("keeps the newest keep_runs finished runs per task and drops runs older than keep_days", async () => {
    const store = open();
    const first = await store.reserveRunIds(10);
    const day = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
    const ops = [];
    for (let i = 0; i < 6; i++) ops.push({ kind: "create" as const, run: finished(first + i, "a", day(20 + i)) });
    ops.push({ kind: "create" as const, run: finished(first + 6, "b", day(1)) });
    ops.push({ kind: "create" as const, run: { ...finished(first + 7, "b", day(2)), status: "running" as const, finishedAt: null } });
    await store.applyWrites(ops);

    const deleted = await store.prune({ keepRuns: 3, keepDays: 10, nowMs: Date.UTC(2026, 0, 26) });
    expect(deleted).toBe(4);
    const left = (await store.history({ limit: 100 })).map((r) => [r.task, r.id - first]);
    // a: the newest 3; b: the old finished run is gone, the running one is never pruned.
    expect(left).toEqual([["b", 7], ["a", 5], ["a", 4], ["a", 3]]);
  });
});

describe("crash recovery", () => {
  it("runs left running by a dead process become interrupted; a live process's runs are left alone", async () => {
    const store = open();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const id = await store.reserveRunIds(2);
    const running = (n: number) => ({ ...finished(n, "t", "2026-01-01T00:00:00.000Z"), status: "running" as const, finishedAt: null });
    await store.applyWrites([{ kind: "create", run: running(id) }, { kind: "create", run: running(id + 1) }]);
    // Pretend the first was started by the (now dead) process.
    const raw = new (await import("better-sqlite3")).default(join(dir, "state.db"));
    raw.prepare("UPDATE runs SET daemon_id = ? WHERE id = ?").run(`${hostname()}:${dead}`, id);
    raw.close();

    expect(await store.interruptOrphanedRuns("2026-01-01T01:00:00.000Z")).toEqual([id]);
    expect((await store.getRun(id))!.status).toBe("interrupted");
    expect((await store.getRun(id + 1))!.status).toBe("running");
  });

  it("a second daemon is refused while the first is alive, and takes over once it is gone", async () => {
    const store = open();
    const me = { daemonId: "me", pid: process.pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" };
    await store.acquireDaemonLock(me);
    await expect(open().acquireDaemonLock({ ...me, daemonId: "other" })).rejects.toBeInstanceOf(StoreLockedError);
    const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString());
    await store.releaseDaemonLock("me");
    await store.acquireDaemonLock({ ...me, daemonId: "ghost", pid: dead });
    await open().acquireDaemonLock({ ...me, daemonId: "successor" });
  });
});
