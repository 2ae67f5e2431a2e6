import { describe, expect, it } from "vitest";
import { PgStore, parsePgLocation } from "../../src/store/postgres/pg-store.js";
import { describeRunStoreContract } from "../store-contract/run-store-contract.js";
import { dropSchema, freshSchema, pgAvailable, sql } from "../helpers/postgres.js";

const available = await pgAvailable();

describe.runIf(available)("PostgreSQL", () => {
  describeRunStoreContract("PostgreSQL", () => {
    const { schema, url } = freshSchema();
    return {
      open: async () => new PgStore(url),
      openAnother: async () => new PgStore(url),
      orphan: async (id) => void (await sql(`UPDATE "${schema}".runs SET node_id = 'a-dead-node' WHERE id = $1`, [id])),
      deadNode: () => ({ nodeId: "a-dead-node", pid: 1, host: "gone", startedAt: "2026-01-01T00:00:00.000Z" }),
      liveNodeId: undefined,
      cleanup: () => dropSchema(schema),
    };
  });
});

describe("PostgreSQL locations", () => {
  it("take the schema and the lease from the URL, and pass the rest to pg", () => {
    expect(parsePgLocation("postgres://u:p@db:5432/jobs?schema=ops&lease=1m&sslmode=require")).toEqual({
      connectionString: "postgres://u:p@db:5432/jobs?sslmode=require",
      schema: "ops",
      leaseMs: 60_000,
    });
    expect(parsePgLocation("postgresql://db/jobs")).toMatchObject({ schema: "orchestrate", leaseMs: 30_000 });
    expect(() => parsePgLocation("postgres://db/jobs?schema=Bad-Name")).toThrow(/schema=Bad-Name/);
    expect(() => parsePgLocation("postgres://db/jobs?lease=1s")).toThrow(/at least 3s/);
  });
});

describe.runIf(available)("the PostgreSQL store as a cluster's coordination", () => {
  const node = (nodeId: string) => ({ nodeId, pid: 1, host: `host-${nodeId}`, startedAt: new Date().toISOString(), version: "1.0.0", labels: ["a"], configHash: "h1", role: "daemon" as const });

  async function stores(count: number, lease = "3s") {
    const { schema, url } = freshSchema("c");
    const u = new URL(url);
    u.searchParams.set("lease", lease);
    const opened = Array.from({ length: count }, () => new PgStore(u.toString()));
    return {
      schema,
      opened,
      close: async () => {
        for (const s of opened) await s.close();
        await dropSchema(schema);
      },
    };
  }

  it("claims a fire once across nodes, and never before the database's clock reaches its slot", async () => {
    const { opened, close } = await stores(3);
    try {
      const [a, b, c] = opened as [PgStore, PgStore, PgStore];
      const slot = Date.now() - 10;
      const results = await Promise.all([a, b, c].map((s, i) => s.claimFire({ task: "t", slotMs: slot, kind: "fire", nodeId: `n${i}` })));
      expect(results.filter((r) => r.won)).toHaveLength(1);
      // A gap is its own claim: the fire of the same slot does not stand in its way.
      expect((await a.claimFire({ task: "t", slotMs: slot, kind: "gap", nodeId: "n0" })).won).toBe(true);
      expect((await b.claimFire({ task: "t", slotMs: slot, kind: "gap", nodeId: "n1" })).won).toBe(false);
      const early = await a.claimFire({ task: "t", slotMs: Date.now() + 5_000, kind: "fire", nodeId: "n0" });
      expect(early.won).toBe(false);
      expect(early.earlyByMs).toBeGreaterThan(3_000);
      expect(await a.lastSlots()).toEqual(new Map([["t", slot]]));
    } finally {
      await close();
    }
  });

  it("registers nodes with their heartbeat; a silent one is dead after the lease, a stopped one at once", async () => {
    const { opened, close, schema } = await stores(2);
    try {
      const [a, b] = opened as [PgStore, PgStore];
      const storeNow = await a.heartbeat(node("n1"), Date.now());
      expect(Math.abs(storeNow - Date.now())).toBeLessThan(1_000);
      await b.heartbeat(node("n2"), Date.now());
      expect((await a.nodes()).map((n) => [n.nodeId, n.alive, n.labels, n.configHash])).toEqual([
        ["n1", true, ["a"], "h1"],
        ["n2", true, ["a"], "h1"],
      ]);
      await sql(`UPDATE "${schema}".nodes SET heartbeat_ms = heartbeat_ms - 4000 WHERE node_id = 'n2'`);
      await a.leave("n1");
      expect((await a.nodes()).map((n) => [n.nodeId, n.alive])).toEqual([
        ["n1", false],
        ["n2", false],
      ]);
    } finally {
      await close();
    }
  });

  it("a dead node's running runs are taken once, marked interrupted, and its lanes freed", async () => {
    const { opened, close, schema } = await stores(2);
    try {
      const [a, b] = opened as [PgStore, PgStore];
      await a.heartbeat(node("n1"), Date.now());
      await b.heartbeat(node("n2"), Date.now());
      const id = await a.reserveRunIds(1);
      const at = new Date().toISOString();
      await a.applyWrites([{ kind: "create", run: { id, task: "t", trigger: "schedule", status: "running", scheduledAt: at, startedAt: at, finishedAt: null, attempts: 1, exitCode: null, error: null, reason: null, output: "", http: null, steps: [], invocations: [], messages: [], notifications: [] } }]);
      expect(await a.holdTask("t", "n1", id, Date.now())).toEqual({ nodeId: "n1", runId: id });
      expect(await b.holdTask("t", "n2", null, Date.now())).toEqual({ nodeId: "n1", runId: id });
      expect(await b.orphanedRuns()).toEqual([]);
      await sql(`UPDATE "${schema}".nodes SET heartbeat_ms = heartbeat_ms - 4000 WHERE node_id = 'n1'`);
      await b.heartbeat(node("n2"), Date.now());
      const [first, second] = await Promise.all([a.orphanedRuns(), b.orphanedRuns()]);
      expect([...first, ...second].map((r) => r.id)).toEqual([id]);
      expect((await a.getRun(id))!.status).toBe("interrupted");
      expect(await b.holdTask("t", "n2", null, Date.now())).toEqual({ nodeId: "n2", runId: null });
    } finally {
      await close();
    }
  });

  it("a cancel request reaches the node that runs the run, once", async () => {
    const { opened, close } = await stores(2);
    try {
      const [a, b] = opened as [PgStore, PgStore];
      await a.heartbeat(node("n1"), Date.now());
      const id = await a.reserveRunIds(1);
      const at = new Date().toISOString();
      await a.applyWrites([{ kind: "create", run: { id, task: "t", trigger: "schedule", status: "running", scheduledAt: at, startedAt: at, finishedAt: null, attempts: 1, exitCode: null, error: null, reason: null, output: "", http: null, steps: [], invocations: [], messages: [], notifications: [] } }]);
      await b.requestCancel(id, "cancelled by request", Date.now());
      expect(await b.takeCancelRequests("n2")).toEqual([]);
      expect(await a.takeCancelRequests("n1")).toEqual([{ runId: id, reason: "cancelled by request" }]);
      expect(await a.takeCancelRequests("n1")).toEqual([]);
    } finally {
      await close();
    }
  });

  it("tells another connection that something changed (LISTEN/NOTIFY)", async () => {
    const { opened, close } = await stores(2);
    try {
      const [a, b] = opened as [PgStore, PgStore];
      let changes = 0;
      const stop = a.watchChanges(() => changes++)!;
      await waitUntil(() => changes >= 1);
      const before = changes;
      await b.setPaused("t", true);
      await waitUntil(() => changes > before);
      stop();
    } finally {
      await close();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a PostgreSQL store that cannot be reached", () => {
  it("says which store, with its password masked, at the first call", async () => {
    const store = new PgStore("postgres://someone:secret@127.0.0.1:1/test?schema=nowhere");
    const error = (await store.history({ limit: 1 }).catch((e: unknown) => e)) as Error;
    await store.close();
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^cannot open the state store postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/test\?schema=nowhere: connect ECONNREFUSED/);
    expect(error.message).not.toContain("secret");
  });
});
