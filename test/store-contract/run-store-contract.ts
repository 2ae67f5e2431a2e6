/**
 * The store contract suite (src/store/contract.ts): what the engine relies on from any store. Each
 * store runs it through a harness that opens fresh stores of its kind; SQLite in
 * test/unit/store-sqlite.test.ts, and any future store beside it, unchanged.
 */
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreLockedError, type NodeIdentity, type RunStore } from "../../src/store/contract.js";
import { newRunRecord, type RunRecord, type WriteOp } from "../../src/store/types.js";

export interface StoreHarness {
  /** A fresh, empty store for one test. */
  open(): Promise<RunStore>;
  /** Another connection to the same store, as another process would have. */
  openAnother(): Promise<RunStore>;
  /** Makes run `id` look started by a process that has since died. */
  orphan(id: number): Promise<void>;
  /** A daemon identity whose process is gone. */
  deadNode(): NodeIdentity;
  /** The node id runs written by this process carry, where the store tells live nodes by id. */
  liveNodeId?: string;
  /** Removes what the test left. */
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

export const finished = (id: number, task: string, at: string, status: RunRecord["status"] = "succeeded") =>
  newRunRecord({ id, task, trigger: "schedule", status, scheduledAt: at, startedAt: at, finishedAt: at });

export function describeRunStoreContract(name: string, makeHarness: () => StoreHarness): void {
  describe(`the ${name} store keeps the store contract`, () => {
    let harness: StoreHarness;
    let store: RunStore;
    const opened: RunStore[] = [];
    const another = async () => {
      const s = await harness.openAnother();
      opened.push(s);
      return s;
    };
    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.open();
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await harness.cleanup();
    });

    describe("run ids", () => {
      it("two connections reserving ids never get the same one, and a queued one-off comes after both", async () => {
        const other = await another();
        const firstA = await store.reserveRunIds(16);
        const firstB = await other.reserveRunIds(16);
        expect(firstB).toBeGreaterThanOrEqual(firstA + 16);
        const pending = await store.addPendingRun({ task: "once:x", dueMs: T0, oneOff: { kind: "http", url: "http://x" } }, T0);
        expect(pending).toBeGreaterThanOrEqual(firstB + 16);
        await store.applyWrites([{ kind: "create", run: finished(firstA, "t", iso(T0)) }]);
        await other.applyWrites([{ kind: "create", run: finished(firstB, "t", iso(T0 + 1000)) }]);
        expect((await store.history({})).map((r) => r.id)).toEqual([pending, firstB, firstA]);
      });

      it("a run created with an id beyond the reserved ones moves the sequence past it", async () => {
        const first = await store.reserveRunIds(1);
        await store.applyWrites([{ kind: "create", run: finished(first + 50, "t", iso(T0)) }]);
        expect(await store.reserveRunIds(1)).toBeGreaterThan(first + 50);
      });
    });

    describe("writes", () => {
      it("a batch is all or nothing, and a write that breaks a constraint is not transient", async () => {
        const id = await store.reserveRunIds(2);
        const error = await store
          .applyWrites([
            { kind: "create", run: finished(id, "t", iso(T0)) },
            { kind: "create", run: finished(id, "t", iso(T0)) },
          ])
          .then(() => null, (e: unknown) => e);
        expect(error).not.toBeNull();
        expect(store.isTransient(error)).toBe(false);
        expect(await store.getRun(id)).toBeNull();
      });

      it("keeps every SPEC field through a round trip, messages included", async () => {
        const id = await store.reserveRunIds(1);
        const run: RunRecord = {
          ...finished(id, "report", iso(T0), "failed"),
          attempts: 3,
          exitCode: 2,
          error: "boom",
          reason: "why",
          output: "tail",
          http: { status: 503, headers: { "content-type": "text/plain" }, body: "down" },
          invocations: [{ index: 1, target: "a.sh", params: [["k", "v"]], status: "failed", attempts: 3, exitCode: 2, signal: null, error: "boom", output: "tail", startedAt: null, finishedAt: null }],
          messages: [{ at: iso(T0 + 500), status: "running", message: "halfway" }],
        };
        await store.applyWrites([{ kind: "create", run }]);
        expect(await store.getRun(id)).toEqual(run);
      });

      it("updates change only the fields they name; messages add up in order", async () => {
        const id = await store.reserveRunIds(1);
        const run = { ...finished(id, "t", iso(T0)), status: "running" as const, finishedAt: null };
        await store.applyWrites([
          { kind: "create", run },
          { kind: "update", id, patch: { attempts: 2, output: "partial" } },
          { kind: "message", id, message: { at: iso(T0 + 1), status: null, message: "one" } },
        ]);
        await store.applyWrites([
          { kind: "update", id, patch: { status: "succeeded", exitCode: 0, finishedAt: iso(T0 + 2) } },
          { kind: "message", id, message: { at: iso(T0 + 2), status: "succeeded", message: "two" } },
        ]);
        expect(await store.getRun(id)).toMatchObject({
          status: "succeeded",
          attempts: 2,
          output: "partial",
          exitCode: 0,
          startedAt: iso(T0),
          finishedAt: iso(T0 + 2),
          messages: [
            { at: iso(T0 + 1), status: null, message: "one" },
            { at: iso(T0 + 2), status: "succeeded", message: "two" },
          ],
        });
      });
    });

    describe("history", () => {
      it("is newest first, filtered by task and status, and limited", async () => {
        const first = await store.reserveRunIds(4);
        await store.applyWrites([
          { kind: "create", run: finished(first, "a", iso(T0)) },
          { kind: "create", run: finished(first + 1, "b", iso(T0), "failed") },
          { kind: "create", run: finished(first + 2, "a", iso(T0), "failed") },
          { kind: "create", run: finished(first + 3, "a", iso(T0)) },
        ]);
        const ids = (runs: RunRecord[]) => runs.map((r) => r.id - first);
        expect(ids(await store.history({}))).toEqual([3, 2, 1, 0]);
        expect(ids(await store.history({ task: "a" }))).toEqual([3, 2, 0]);
        expect(ids(await store.history({ status: "failed" }))).toEqual([2, 1]);
        expect(ids(await store.history({ task: "a", status: "failed" }))).toEqual([2]);
        expect(ids(await store.history({ limit: 2 }))).toEqual([3, 2]);
        // The next page: runs before the last one seen.
        expect(ids(await store.history({ limit: 2, before: first + 2 }))).toEqual([1, 0]);
        expect(ids(await store.history({ task: "a", before: first + 3 }))).toEqual([2, 0]);
      });

      it("is filtered by the run's time: since (inclusive) and until (exclusive)", async () => {
        const first = await store.reserveRunIds(4);
        const hour = 3_600_000;
        await store.applyWrites([0, 1, 2, 3].map((i) => ({ kind: "create", run: finished(first + i, "a", iso(T0 + i * hour)) }) satisfies WriteOp));
        const ids = (runs: RunRecord[]) => runs.map((r) => r.id - first);
        expect(ids(await store.history({ sinceMs: T0 + hour }))).toEqual([3, 2, 1]);
        expect(ids(await store.history({ untilMs: T0 + 2 * hour }))).toEqual([1, 0]);
        expect(ids(await store.history({ sinceMs: T0 + hour, untilMs: T0 + 3 * hour, limit: 1 }))).toEqual([2]);
      });
    });

    describe("retention", () => {
      it("keeps the newest keep_runs finished runs per task and drops runs older than keep_days", async () => {
        const first = await store.reserveRunIds(10);
        const day = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
        const ops: WriteOp[] = [];
        for (let i = 0; i < 6; i++) ops.push({ kind: "create", run: finished(first + i, "a", day(20 + i)) });
        ops.push({ kind: "create", run: finished(first + 6, "b", day(1)) });
        ops.push({ kind: "create", run: { ...finished(first + 7, "b", day(2)), status: "running", finishedAt: null } });
        await store.applyWrites(ops);

        const deleted = await store.prune({ keepRuns: 3, keepDays: 10, keepEvents: 1000, nowMs: Date.UTC(2026, 0, 26) });
        expect(deleted).toBe(4);
        const left = (await store.history({ limit: 100 })).map((r) => [r.task, r.id - first]);
        // a: the newest 3; b: the old finished run is gone, the running one is never pruned.
        expect(left).toEqual([["b", 7], ["a", 5], ["a", 4], ["a", 3]]);
      });

      it("keeps at most keep_events journal events, the newest", async () => {
        const ops: WriteOp[] = [];
        for (let i = 0; i < 10; i++) ops.push({ kind: "event", event: { id: `e${i}`, type: "run.started", at: iso(T0 + i), task: "t", runId: i, data: {} } });
        await store.applyWrites(ops);
        await store.prune({ keepRuns: 10, keepDays: 3650, keepEvents: 4, nowMs: T0 + 10 });
        expect((await store.readEvents({})).map((e) => e.id)).toEqual(["e6", "e7", "e8", "e9"]);
      });
    });

    describe("slots", () => {
      it("remembers each task's newest handled slot, only ever moving forward", async () => {
        await store.applyWrites([
          { kind: "slot", task: "a", slotMs: T0 + 2000 },
          { kind: "slot", task: "b", slotMs: T0 },
          { kind: "slot", task: "a", slotMs: T0 + 1000 },
        ]);
        expect(await store.lastSlots()).toEqual(new Map([["a", T0 + 2000], ["b", T0]]));
      });

      it("a slot is claimed once, by one of the connections claiming it; lastSlots is the newest claimed", async () => {
        const other = await another();
        expect(await store.claimSlots([{ task: "a", slotMs: T0 + 1000 }, { task: "b", slotMs: T0 }])).toEqual([true, true]);
        expect(await other.claimSlots([{ task: "a", slotMs: T0 + 1000 }, { task: "b", slotMs: T0 + 1000 }])).toEqual([false, true]);
        const both = await Promise.all([store.claimSlots([{ task: "c", slotMs: T0 }]), other.claimSlots([{ task: "c", slotMs: T0 }])]);
        expect(both.flat().filter(Boolean)).toHaveLength(1);
        expect(await store.lastSlots()).toEqual(new Map([["a", T0 + 1000], ["b", T0 + 1000], ["c", T0]]));
      });
    });

    describe("one-off runs", () => {
      it("wait as pending until due, oldest first, and are claimed by one caller only", async () => {
        const other = await another();
        const late = await store.addPendingRun({ task: "once:b", dueMs: T0 + 5000, oneOff: { kind: "http", url: "http://b" } }, T0);
        const soon = await store.addPendingRun({ task: "once:a", dueMs: T0 + 1000, oneOff: { kind: "script", path: "/a.sh", type: "bash", params: [["k", "v"]] } }, T0);
        expect(await store.getRun(soon)).toMatchObject({ status: "pending", trigger: "once", task: "once:a", scheduledAt: iso(T0 + 1000) });
        expect(await store.nextPendingDueMs()).toBe(T0 + 1000);
        expect(await store.duePendingRuns(T0)).toEqual([]);
        const due = await store.duePendingRuns(T0 + 5000);
        expect(due.map((p) => [p.run.id, p.dueMs])).toEqual([
          [soon, T0 + 1000],
          [late, T0 + 5000],
        ]);
        expect(due[0]!.oneOff).toEqual({ kind: "script", path: "/a.sh", type: "bash", params: [["k", "v"]] });

        const claims = await Promise.all([store.claimPendingRun(soon, iso(T0 + 1001)), other.claimPendingRun(soon, iso(T0 + 1001))]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.getRun(soon)).toMatchObject({ status: "running", startedAt: iso(T0 + 1001) });
        expect(await store.nextPendingDueMs()).toBe(T0 + 5000);
      });
    });

    describe("controls", () => {
      it("pausing a task is kept, seen by another connection, and undone by resuming", async () => {
        const other = await another();
        await store.setPaused("report", true);
        await store.setPaused("backup", true);
        expect(await other.pausedTasks()).toEqual(new Set(["report", "backup"]));
        await other.setPaused("report", false);
        expect(await store.pausedTasks()).toEqual(new Set(["backup"]));
      });

      it("messages reported by scripts are followed by id, from any connection", async () => {
        const other = await another();
        const id = await store.reserveRunIds(1);
        await store.applyWrites([{ kind: "create", run: { ...finished(id, "t", iso(T0)), status: "running", finishedAt: null } }]);
        const before = await store.lastMessageId();
        await other.applyWrites([{ kind: "message", id, message: { at: iso(T0 + 1), status: "running", message: "halfway" } }]);
        await other.applyWrites([{ kind: "message", id, message: { at: iso(T0 + 2), status: null, message: "almost" } }]);
        const since = await store.messagesSince(before);
        expect(since.map((m) => [m.runId, m.message.message])).toEqual([
          [id, "halfway"],
          [id, "almost"],
        ]);
        expect(await store.messagesSince(since[0]!.id)).toHaveLength(1);
        expect(await store.lastMessageId()).toBe(since[1]!.id);
      });

      it("a pending one-off can be cancelled until it starts", async () => {
        const id = await store.addPendingRun({ task: "once:x", dueMs: T0 + 5000, oneOff: { kind: "http", url: "http://x" } }, T0);
        expect(await store.cancelPendingRun(id, iso(T0 + 1), "cancelled by request")).toBe(true);
        expect(await store.getRun(id)).toMatchObject({ status: "cancelled", error: "cancelled by request", finishedAt: iso(T0 + 1) });
        expect(await store.cancelPendingRun(id, iso(T0 + 2), "again")).toBe(false);
        expect(await store.duePendingRuns(T0 + 10_000)).toEqual([]);
      });

      it("keeps each notification of a run's events with the run", async () => {
        const id = await store.reserveRunIds(1);
        const delivery = { at: iso(T0), event: "run.failed", destination: "https://hooks.example.com/x", status: "failed" as const, attempts: 5, detail: "timed out after 10s" };
        await store.applyWrites([{ kind: "create", run: finished(id, "t", iso(T0)) }, { kind: "delivery", id, delivery }]);
        expect((await store.getRun(id))!.notifications).toEqual([delivery]);
        expect((await store.history({}))[0]!.notifications).toEqual([delivery]);
      });
    });

    describe("leases and orphans", () => {
      it("a daemon that died leaves runs that are listed as orphans; a live process's runs are not", async () => {
        await store.acquireLease({ nodeId: harness.liveNodeId ?? "me", pid: process.pid, host: hostname(), startedAt: iso(T0) }, Date.now());
        const id = await store.reserveRunIds(2);
        const running = (n: number) => ({ ...finished(n, "t", iso(T0)), status: "running" as const, finishedAt: null });
        await store.applyWrites([{ kind: "create", run: running(id) }, { kind: "create", run: running(id + 1) }]);
        await harness.orphan(id);
        expect((await store.orphanedRuns(T0)).map((r) => r.id)).toEqual([id]);
      });

      it("an exclusive store refuses a second live daemon and lets one take over from a dead one", async (ctx) => {
        if (!store.exclusive) ctx.skip();
        const live: NodeIdentity = { nodeId: "me", pid: process.pid, host: hostname(), startedAt: iso(T0) };
        await store.acquireLease(live, T0);
        await expect((await another()).acquireLease({ ...live, nodeId: "other" }, T0)).rejects.toBeInstanceOf(StoreLockedError);
        await store.releaseLease("me");
        await store.acquireLease({ ...harness.deadNode(), nodeId: "ghost" }, T0);
        await (await another()).acquireLease({ ...live, nodeId: "successor" }, T0);
      });
    });

    describe("event journal", () => {
      it("hands out increasing sequence numbers and reads after one, all or by run; an event id is stored once", async () => {
        const event = (id: string, runId: number) => ({ kind: "event" as const, event: { id, type: "run.started", at: iso(T0), task: "t", runId, data: { trigger: "schedule" } } });
        await store.applyWrites([event("a", 1), event("b", 2)]);
        await store.applyWrites([event("c", 1), event("a", 1)]);
        const all = await store.readEvents({});
        expect(all.map((e) => e.id)).toEqual(["a", "b", "c"]);
        expect(all[0]).toMatchObject({ type: "run.started", at: iso(T0), task: "t", runId: 1, data: { trigger: "schedule" } });
        expect(all[1]!.seq).toBeGreaterThan(all[0]!.seq);
        expect(all[2]!.seq).toBeGreaterThan(all[1]!.seq);
        expect((await store.readEvents({ afterSeq: all[0]!.seq })).map((e) => e.id)).toEqual(["b", "c"]);
        expect((await store.readEvents({ runId: 1 })).map((e) => e.id)).toEqual(["a", "c"]);
        expect((await store.readEvents({ limit: 1 })).map((e) => e.id)).toEqual(["a"]);
      });

      it("reads events of some types only: the daemon's starts and stops among its runs' events", async () => {
        const event = (id: string, type: string) => ({ kind: "event" as const, event: { id, type, at: iso(T0), task: null, runId: null, data: {} } });
        await store.applyWrites([event("up", "daemon.started"), event("run", "run.started"), event("down", "daemon.stopping")]);
        expect((await store.readEvents({ types: ["daemon.started", "daemon.stopping"] })).map((e) => e.id)).toEqual(["up", "down"]);
        expect(await store.readEvents({ types: [] })).toEqual([]);
      });
    });
  });
}
