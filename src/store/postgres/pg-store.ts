/**
 * The PostgreSQL store (`state: postgres://…`): the same contract as the SQLite file, shared by any
 * number of daemons. PostgreSQL is the coordination: row locks and unique keys decide each claim
 * (a fire, a one-off, a dead node's runs), LISTEN/NOTIFY tells the others that something changed,
 * and its clock is the cluster's. Tables live in a schema of their own (`?schema=NAME`, default
 * `orchestrate`), migrated under an advisory lock. `?lease=30s` sets how long a silent node lives.
 */
import { hostname } from "node:os";
import { createRequire } from "node:module";
import type pg from "pg";
import { parseDuration } from "../../time/duration.js";
import { maskUrl } from "../../util/url.js";
import type {
  Cluster,
  FireClaim,
  FireClaimResult,
  NodeHeartbeat,
  NodeIdentity,
  NodeRecord,
  RunStore,
  SlotClaim,
  TaskHolder,
  WriteOptions,
} from "../contract.js";
import {
  FINISHED_STATUSES,
  type DeliveryRecord,
  type EventQuery,
  type HistoryQuery,
  type JournalEvent,
  type NewPendingRun,
  type OneOffSpec,
  type PendingRun,
  type Retention,
  type RunMessage,
  type RunPatch,
  type RunRecord,
  type StoredMessage,
  type WriteOp,
} from "../types.js";
import { rowToEvent, rowToRun, type EventRow, type RunRow } from "../sqlite/rows.js";
import { PG_MIGRATIONS } from "./migrations.js";

/**
 * `pg`, loaded when a PostgreSQL store is first opened: every command of a SQLite user would
 * otherwise pay its ~30 ms of loading (it is CommonJS, so it loads synchronously here).
 */
let pgModule: typeof pg | null = null;
function loadPg(): typeof pg {
  if (pgModule === null) {
    pgModule = createRequire(import.meta.url)("pg") as typeof pg;
    // BIGINT columns hold epoch milliseconds and run ids: well inside a double's exact range.
    pgModule.types.setTypeParser(pgModule.types.builtins.INT8, (value: string) => Number(value));
  }
  return pgModule;
}

export const DEFAULT_SCHEMA = "orchestrate";
export const DEFAULT_LEASE_MS = 30_000;
const FINISHED_SQL = FINISHED_STATUSES.map((s) => `'${s}'`).join(", ");
const PRUNE_CHUNK = 5_000;
const MIGRATION_LOCK = 0x6f726368; // "orch"


export interface PgStoreOptions {
  /** For commands that only read: nothing is created or migrated; a missing schema is a StoreNotFoundError. */
  readOnly?: boolean;
}

/** How long a daemon's write waits for a row another node holds, before it is retried later. */
const ROW_LOCK_WAIT_MS = 2_000;

/** A location `postgres://user@host/db?schema=NAME&lease=30s`, split into what pg takes and what is ours. */
export function parsePgLocation(location: string): { connectionString: string; schema: string; leaseMs: number } {
  const url = new URL(location);
  const schema = url.searchParams.get("schema") ?? DEFAULT_SCHEMA;
  const leaseText = url.searchParams.get("lease");
  url.searchParams.delete("schema");
  url.searchParams.delete("lease");
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema=${schema}: use lower-case letters, digits and _ (a PostgreSQL schema name)`);
  const leaseMs = leaseText === null ? DEFAULT_LEASE_MS : parseDuration(leaseText);
  if (leaseMs === null || leaseMs < 3_000) throw new Error(`lease=${leaseText}: use a duration of at least 3s, e.g. lease=30s`);
  return { connectionString: url.toString(), schema, leaseMs };
}

/** SQLSTATE classes and codes of errors that go away by themselves: connections, locks, resources, shutdowns. */
const TRANSIENT_SQLSTATE = /^(08|40001|40P01|55P03|57P0[1-3]|53|58|XX000)/;
const TRANSIENT_NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** PostgreSQL text cannot hold NUL: a script's output may. */
function text(value: string | null): string | null {
  return value === null || !value.includes("\0") ? value : value.replace(/\0/g, "\uFFFD");
}

export class PgStore implements RunStore, Cluster {
  readonly location: string;
  readonly exclusive = false;
  readonly cluster: Cluster = this;
  readonly leaseMs: number;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ready: Promise<void>;
  private readonly s: string;
  private nodeId = `${hostname()}:${process.pid}`;
  private readonly connectionString: string;
  private readonly listeners = new Set<pg.Client>();
  private closed = false;

  constructor(location: string, options: PgStoreOptions = {}) {
    const { connectionString, schema, leaseMs } = parsePgLocation(location);
    this.location = maskUrl(location);
    this.connectionString = connectionString;
    this.schema = schema;
    this.s = `"${schema}"`;
    this.leaseMs = leaseMs;
    this.pool = new (loadPg().Pool)({ connectionString, max: 4, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 5_000, application_name: "orchestrate" });
    // An idle client that loses its server is reported here; without a listener it would be fatal.
    this.pool.on("error", () => undefined);
    this.ready = (options.readOnly ? this.checkExists() : this.migrate()).catch((error: unknown) => {
      throw this.unreachable(error);
    });
    // A failed start is reported by the first call that awaits it, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** A failure to open the store, saying which store (its password masked); a missing schema is said as it is. */
  private unreachable(error: unknown): unknown {
    if (!(error instanceof Error) || error.name === "StoreNotFoundError" || error.message.includes(this.location)) return error;
    return Object.assign(new Error(`cannot open the state store ${this.location}: ${error.message}`, { cause: error }), { code: (error as { code?: unknown }).code });
  }

  private async checkExists(): Promise<void> {
    const { rows } = await this.pool.query(`SELECT to_regclass($1) AS runs`, [`${this.schema}.runs`]);
    if (rows[0]!.runs === null) {
      const { StoreNotFoundError } = await import("../sqlite/sqlite-store.js");
      throw new StoreNotFoundError(`${this.location} (schema ${this.schema})`);
    }
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock($1)`, [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.s}.schema_version (version INTEGER NOT NULL)`);
      const { rows } = await client.query(`SELECT version FROM ${this.s}.schema_version`);
      let version: number = rows[0]?.version ?? 0;
      if (rows.length === 0) await client.query(`INSERT INTO ${this.s}.schema_version VALUES (0)`);
      for (; version < PG_MIGRATIONS.length; version++) {
        await client.query("BEGIN");
        try {
          await client.query(PG_MIGRATIONS[version]!.replaceAll("%s", this.s));
          await client.query(`UPDATE ${this.s}.schema_version SET version = $1`, [version + 1]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
      if (version > PG_MIGRATIONS.length) throw new Error(`the state store ${this.location} was written by a newer orchestrate (schema version ${version})`);
    } finally {
      await client.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, values);
  }

  /** One transaction; NOTIFY inside it reaches the listeners when it commits. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, options: WriteOptions & { notify?: boolean } = {}): Promise<T> {
    await this.ready;
    const client = await this.pool.connect();
    // A connection lost mid-transaction errors on the client as well as in the query: hear it here
    // (an unheard 'error' would be thrown), and give the pool back a broken client as broken.
    const ignore = () => undefined;
    client.on("error", ignore);
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      // lockWaitMs keeps SQLite's synchronous driver from freezing the event loop; here every wait is
      // asynchronous and row locks are held for milliseconds by other nodes, so a writer waits a
      // little for them rather than failing (and retrying) at each contended counter or slot row.
      if (options.lockWaitMs !== undefined) await client.query(`SET LOCAL lock_timeout = ${Math.max(ROW_LOCK_WAIT_MS, Math.round(options.lockWaitMs))}`);
      const result = await work(client);
      if (options.notify !== false) await client.query(`SELECT pg_notify($1, '')`, [this.channel]);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      if (this.isTransient(error)) broken = error as Error;
      else await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", ignore);
      client.release(broken);
    }
  }

  private get channel(): string {
    return `orchestrate_${this.schema}`;
  }

  // ── run ids and writes ────────────────────────────────────────────────────────────────────────

  async reserveRunIds(count: number, options: WriteOptions = {}): Promise<number> {
    return this.transaction(async (c) => this.allocate(c, count), { ...options, notify: false });
  }

  private async allocate(c: pg.PoolClient, count: number): Promise<number> {
    const { rows } = await c.query(`UPDATE ${this.s}.id_counter SET next_id = next_id + $1 RETURNING next_id - $1 AS first`, [count]);
    return rows[0]!.first as number;
  }

  async applyWrites(ops: WriteOp[], options: WriteOptions = {}): Promise<void> {
    await this.transaction(async (c) => {
      for (const op of ops) await this.applyWrite(c, op);
    }, options);
  }

  isTransient(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && TRANSIENT_NETWORK.has(code)) return true;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
    const message = error instanceof Error ? error.message : "";
    // pg's own words for a connection that went away, or could not be made in time.
    return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|the database system is/i.test(message);
  }

  private async applyWrite(c: pg.PoolClient, op: WriteOp): Promise<void> {
    switch (op.kind) {
      case "create": {
        const run = op.run;
        const values = [
          run.id,
          run.task,
          run.trigger,
          run.status,
          run.scheduledAt,
          run.startedAt,
          run.finishedAt,
          run.attempts,
          run.exitCode,
          text(run.error),
          text(run.reason),
          text(run.output),
          run.http ? text(JSON.stringify(run.http)) : null,
          run.steps.length ? text(JSON.stringify(run.steps)) : null,
          run.invocations.length ? text(JSON.stringify(run.invocations)) : null,
          this.nodeId,
          runTimeMs(run),
        ];
        await c.query(
          `INSERT INTO ${this.s}.runs (id, task, trigger, status, scheduled_at, started_at, finished_at, attempts, exit_code, error, reason,
             output, http, steps, invocations, node_id, created_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          values,
        );
        // A run created with an id beyond those handed out moves the counter past it.
        await c.query(`UPDATE ${this.s}.id_counter SET next_id = $1 WHERE next_id <= $2`, [run.id + 1, run.id]);
        for (const m of run.messages) await this.addMessage(c, run.id, m);
        return;
      }
      case "update":
        return this.updateRun(c, op.id, op.patch);
      case "message":
        return this.addMessage(c, op.id, op.message);
      case "slot":
        await c.query(
          `INSERT INTO ${this.s}.task_state (task, last_slot_ms) VALUES ($1, $2)
           ON CONFLICT (task) DO UPDATE SET last_slot_ms = GREATEST(COALESCE(${this.s}.task_state.last_slot_ms, 0), EXCLUDED.last_slot_ms)`,
          [op.task, op.slotMs],
        );
        return;
      case "delivery": {
        const d = op.delivery;
        await c.query(`INSERT INTO ${this.s}.deliveries (run_id, at, event, destination, status, attempts, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          op.id,
          d.at,
          d.event,
          d.destination,
          d.status,
          d.attempts,
          text(d.detail),
        ]);
        return;
      }
      case "event":
        await c.query(
          `INSERT INTO ${this.s}.events (id, type, at, task, run_id, data, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
          [op.event.id, op.event.type, op.event.at, op.event.task, op.event.runId, text(JSON.stringify(op.event.data)), Date.parse(op.event.at) || 0],
        );
        return;
    }
  }

  private async addMessage(c: pg.PoolClient, runId: number, m: RunMessage): Promise<void> {
    await c.query(`INSERT INTO ${this.s}.messages (run_id, at, status, message) VALUES ($1, $2, $3, $4)`, [runId, m.at, m.status, text(m.message)]);
  }

  private async updateRun(c: pg.PoolClient, id: number, patch: RunPatch): Promise<void> {
    const columns: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      values.push(value);
      columns.push(`${column} = $${values.length}`);
    };
    if (patch.status !== undefined) set("status", patch.status);
    if (patch.scheduledAt !== undefined) set("scheduled_at", patch.scheduledAt);
    if (patch.startedAt !== undefined) set("started_at", patch.startedAt);
    if (patch.finishedAt !== undefined) set("finished_at", patch.finishedAt);
    if (patch.attempts !== undefined) set("attempts", patch.attempts);
    if (patch.exitCode !== undefined) set("exit_code", patch.exitCode);
    if (patch.error !== undefined) set("error", text(patch.error));
    if (patch.reason !== undefined) set("reason", text(patch.reason));
    if (patch.output !== undefined) set("output", text(patch.output));
    if (patch.http !== undefined) set("http", patch.http === null ? null : text(JSON.stringify(patch.http)));
    if (patch.steps !== undefined) set("steps", text(JSON.stringify(patch.steps)));
    if (patch.invocations !== undefined) set("invocations", text(JSON.stringify(patch.invocations)));
    if (columns.length === 0) return;
    values.push(id);
    await c.query(`UPDATE ${this.s}.runs SET ${columns.join(", ")} WHERE id = $${values.length}`, values);
  }

  // ── reading runs ──────────────────────────────────────────────────────────────────────────────

  private async fullRuns(rows: RunRow[]): Promise<RunRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [messages, deliveries] = await Promise.all([
      this.query<RunMessage & { run_id: number }>(`SELECT run_id, at, status, message FROM ${this.s}.messages WHERE run_id = ANY($1) ORDER BY id`, [ids]),
      this.query<DeliveryRecord & { run_id: number }>(
        `SELECT run_id, at, event, destination, status, attempts, detail FROM ${this.s}.deliveries WHERE run_id = ANY($1) ORDER BY id`,
        [ids],
      ),
    ]);
    const byRun = <T extends { run_id: number }>(list: T[]) => {
      const map = new Map<number, Array<Omit<T, "run_id">>>();
      for (const { run_id, ...rest } of list) {
        const bucket = map.get(run_id) ?? [];
        bucket.push(rest);
        map.set(run_id, bucket);
      }
      return map;
    };
    const m = byRun(messages.rows);
    const d = byRun(deliveries.rows);
    return rows.map((row) => rowToRun(row, (m.get(row.id) ?? []) as RunMessage[], (d.get(row.id) ?? []) as DeliveryRecord[]));
  }

  async getRun(id: number): Promise<RunRecord | null> {
    const { rows } = await this.query<RunRow>(`SELECT * FROM ${this.s}.runs WHERE id = $1`, [id]);
    return (await this.fullRuns(rows))[0] ?? null;
  }

  async history(query: HistoryQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace("?", `$${values.length}`));
    };
    if (query.task) add("task = ?", query.task);
    if (query.status) add("status = ?", query.status);
    if (query.before !== undefined) add("id < ?", query.before);
    if (query.sinceMs !== undefined) add("created_ms >= ?", query.sinceMs);
    if (query.untilMs !== undefined) add("created_ms < ?", query.untilMs);
    values.push(query.limit ?? 50);
    const { rows } = await this.query<RunRow>(
      `SELECT * FROM ${this.s}.runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT $${values.length}`,
      values,
    );
    return this.fullRuns(rows);
  }

  async prune(retention: Retention): Promise<number> {
    const before = retention.nowMs - retention.keepDays * 86_400_000;
    let deleted = 0;
    const chunks = async (sql: string, values: unknown[]) => {
      for (;;) {
        const { rowCount } = await this.query(sql, values);
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < PRUNE_CHUNK) return;
      }
    };
    await chunks(`DELETE FROM ${this.s}.runs WHERE id IN (SELECT id FROM ${this.s}.runs WHERE created_ms < $1 AND status IN (${FINISHED_SQL}) LIMIT ${PRUNE_CHUNK})`, [before]);
    const { rows: tasks } = await this.query<{ task: string }>(`SELECT DISTINCT task FROM ${this.s}.runs`);
    for (const { task } of tasks) {
      const { rows } = await this.query<{ id: number }>(
        `SELECT id FROM ${this.s}.runs WHERE task = $1 AND status IN (${FINISHED_SQL}) ORDER BY id DESC LIMIT 1 OFFSET $2`,
        [task, retention.keepRuns],
      );
      if (rows[0]) {
        await chunks(
          `DELETE FROM ${this.s}.runs WHERE id IN (SELECT id FROM ${this.s}.runs WHERE task = $1 AND status IN (${FINISHED_SQL}) AND id <= $2 LIMIT ${PRUNE_CHUNK})`,
          [task, rows[0]!.id],
        );
      }
    }
    const runsDeleted = deleted;
    await this.query(`DELETE FROM ${this.s}.events WHERE created_ms < $1`, [before]);
    await this.query(`DELETE FROM ${this.s}.events WHERE seq <= (SELECT seq FROM ${this.s}.events ORDER BY seq DESC LIMIT 1 OFFSET $1)`, [retention.keepEvents]);
    // Claims only need to outlive the time a node may still try them: a day is far beyond any catch-up.
    await this.query(`DELETE FROM ${this.s}.fire_claims WHERE claimed_ms < $1`, [retention.nowMs - 2 * 86_400_000]);
    await this.query(`DELETE FROM ${this.s}.nodes WHERE heartbeat_ms < $1`, [retention.nowMs - 7 * 86_400_000]);
    return runsDeleted;
  }

  // ── slots and claims ──────────────────────────────────────────────────────────────────────────

  async lastSlots(): Promise<Map<string, number>> {
    const { rows } = await this.query<{ task: string; last_slot_ms: number }>(`SELECT task, last_slot_ms FROM ${this.s}.task_state WHERE last_slot_ms IS NOT NULL`);
    return new Map(rows.map((r) => [r.task, r.last_slot_ms]));
  }

  async claimSlots(claims: SlotClaim[]): Promise<boolean[]> {
    const won: boolean[] = [];
    for (const claim of claims) won.push((await this.claimFire({ ...claim, kind: "fire", nodeId: this.nodeId }, Number.POSITIVE_INFINITY)).won);
    return won;
  }

  async claimFire(claim: FireClaim, toleranceMs = 0): Promise<FireClaimResult> {
    return this.transaction(
      async (c) => {
        const { rows } = await c.query(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`);
        const now = rows[0]!.now as number;
        if (claim.kind === "fire" && claim.slotMs > now + toleranceMs) return { won: false, earlyByMs: claim.slotMs - now };
        const inserted = await c.query(
          `INSERT INTO ${this.s}.fire_claims (task, kind, slot_ms, node_id, claimed_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [claim.task, claim.kind, claim.slotMs, claim.nodeId, now],
        );
        if (inserted.rowCount === 1 && claim.kind === "fire") {
          await c.query(
            `INSERT INTO ${this.s}.task_state (task, last_slot_ms) VALUES ($1, $2)
             ON CONFLICT (task) DO UPDATE SET last_slot_ms = GREATEST(COALESCE(${this.s}.task_state.last_slot_ms, 0), EXCLUDED.last_slot_ms)`,
            [claim.task, claim.slotMs],
          );
        }
        return { won: inserted.rowCount === 1, earlyByMs: 0 };
      },
      { notify: false },
    );
  }

  async claimLateFires(task: string, slotsMs: number[], nodeId: string): Promise<number[]> {
    if (slotsMs.length === 0) return [];
    return this.transaction(
      async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${this.schema}:${task}`]);
        const { rows } = await c.query(
          `INSERT INTO ${this.s}.fire_claims (task, kind, slot_ms, node_id, claimed_ms)
           SELECT $1, 'fire', slot, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM unnest($3::bigint[]) AS slot
           ON CONFLICT DO NOTHING RETURNING slot_ms`,
          [task, nodeId, slotsMs],
        );
        const won = rows.map((r) => Number(r.slot_ms)).sort((a, b) => a - b);
        if (won.length > 0) {
          await c.query(
            `INSERT INTO ${this.s}.task_state (task, last_slot_ms) VALUES ($1, $2)
             ON CONFLICT (task) DO UPDATE SET last_slot_ms = GREATEST(COALESCE(${this.s}.task_state.last_slot_ms, 0), EXCLUDED.last_slot_ms)`,
            [task, won[won.length - 1]],
          );
        }
        return won;
      },
      { notify: false },
    );
  }

  // ── nodes, leases, orphans ────────────────────────────────────────────────────────────────────

  async acquireLease(node: NodeIdentity, nowMs: number): Promise<void> {
    this.nodeId = node.nodeId;
    await this.heartbeat({ ...node, version: "", labels: [], configHash: "", role: "daemon" }, nowMs);
  }

  async renewLease(nodeId: string): Promise<void> {
    await this.query(`UPDATE ${this.s}.nodes SET heartbeat_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE node_id = $1`, [nodeId]);
  }

  async releaseLease(nodeId: string): Promise<void> {
    await this.leave(nodeId);
  }

  async heartbeat(node: NodeHeartbeat, _nowMs: number): Promise<number> {
    this.nodeId = node.nodeId;
    const { rows } = await this.query(
      `INSERT INTO ${this.s}.nodes (node_id, host, pid, version, labels, config_hash, started_at, heartbeat_ms, stopped, role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, FALSE, $8)
       ON CONFLICT (node_id) DO UPDATE SET heartbeat_ms = EXCLUDED.heartbeat_ms, stopped = FALSE,
         version = CASE WHEN EXCLUDED.version = '' THEN ${this.s}.nodes.version ELSE EXCLUDED.version END,
         labels = CASE WHEN EXCLUDED.config_hash = '' THEN ${this.s}.nodes.labels ELSE EXCLUDED.labels END,
         config_hash = CASE WHEN EXCLUDED.config_hash = '' THEN ${this.s}.nodes.config_hash ELSE EXCLUDED.config_hash END
       RETURNING heartbeat_ms`,
      [node.nodeId, node.host, node.pid, node.version, JSON.stringify(node.labels), node.configHash, node.startedAt, node.role],
    );
    return rows[0]!.heartbeat_ms as number;
  }

  async leave(nodeId: string): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`UPDATE ${this.s}.nodes SET stopped = TRUE WHERE node_id = $1`, [nodeId]);
      await c.query(`DELETE FROM ${this.s}.task_holds WHERE node_id = $1`, [nodeId]);
    });
  }

  async nodes(): Promise<NodeRecord[]> {
    const { rows } = await this.query(
      `SELECT n.*, NOT n.stopped AND n.heartbeat_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1 AS alive
       FROM ${this.s}.nodes n ORDER BY alive DESC, started_at, node_id`,
      [this.leaseMs],
    );
    return rows.map((r) => ({
      nodeId: r.node_id,
      host: r.host,
      pid: r.pid,
      startedAt: r.started_at,
      version: r.version,
      labels: JSON.parse(r.labels) as string[],
      configHash: r.config_hash,
      heartbeatAt: new Date(r.heartbeat_ms).toISOString(),
      role: r.role,
      alive: r.alive,
    }));
  }

  /**
   * The runs of nodes that stopped heartbeating (or of no node at all), taken once across the
   * cluster: marked interrupted in the same transaction that finds them, their lanes freed.
   */
  async orphanedRuns(): Promise<RunRecord[]> {
    const rows = await this.transaction(async (c) => {
      const dead = `SELECT node_id FROM ${this.s}.nodes WHERE NOT stopped AND heartbeat_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $1`;
      const { rows: orphans } = await c.query<RunRow>(
        `SELECT * FROM ${this.s}.runs WHERE status = 'running' AND (node_id IS NULL OR node_id NOT IN (${dead})) ORDER BY id FOR UPDATE SKIP LOCKED`,
        [this.leaseMs],
      );
      if (orphans.length === 0) return orphans;
      const at = new Date().toISOString();
      await c.query(`UPDATE ${this.s}.runs SET status = 'interrupted', finished_at = COALESCE(finished_at, $2) WHERE id = ANY($1)`, [orphans.map((o) => o.id), at]);
      await c.query(`DELETE FROM ${this.s}.task_holds WHERE node_id NOT IN (${dead})`, [this.leaseMs]);
      return orphans;
    });
    return this.fullRuns(rows);
  }

  async holdTask(task: string, nodeId: string, runId: number | null, nowMs: number): Promise<TaskHolder> {
    return this.transaction(
      async (c) => {
        const { rows } = await c.query(
          // A hold is void when its node is gone, or when the run it was taken for has ended (its
          // node died before it let go): the lane is free again.
          `SELECT h.node_id, h.run_id, n.node_id IS NOT NULL AND (r.status IS NULL OR r.status = 'running') AS alive FROM ${this.s}.task_holds h
           LEFT JOIN ${this.s}.nodes n ON n.node_id = h.node_id AND NOT n.stopped AND n.heartbeat_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $2
           LEFT JOIN ${this.s}.runs r ON r.id = h.run_id
           WHERE h.task = $1 FOR UPDATE OF h`,
          [task, this.leaseMs],
        );
        const held = rows[0];
        if (held && held.alive && held.node_id !== nodeId) return { nodeId: held.node_id as string, runId: held.run_id as number | null };
        await c.query(
          `INSERT INTO ${this.s}.task_holds (task, node_id, run_id, since_ms) VALUES ($1, $2, $3, $4)
           ON CONFLICT (task) DO UPDATE SET node_id = EXCLUDED.node_id, run_id = COALESCE(EXCLUDED.run_id, CASE WHEN ${this.s}.task_holds.node_id = EXCLUDED.node_id THEN ${this.s}.task_holds.run_id END), since_ms = EXCLUDED.since_ms`,
          [task, nodeId, runId, nowMs],
        );
        return { nodeId, runId };
      },
      { notify: false },
    );
  }

  async releaseTask(task: string, nodeId: string): Promise<void> {
    await this.query(`DELETE FROM ${this.s}.task_holds WHERE task = $1 AND node_id = $2`, [task, nodeId]);
    await this.query(`SELECT pg_notify($1, '')`, [this.channel]);
  }

  async requestCancel(runId: number, reason: string, nowMs: number): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`INSERT INTO ${this.s}.cancel_requests (run_id, reason, requested_ms) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO NOTHING`, [runId, reason, nowMs]);
    });
  }

  async takeCancelRequests(nodeId: string): Promise<Array<{ runId: number; reason: string }>> {
    const { rows } = await this.query(
      `DELETE FROM ${this.s}.cancel_requests r USING ${this.s}.runs x
       WHERE x.id = r.run_id AND (x.node_id = $1 OR x.status <> 'running') RETURNING r.run_id, r.reason, x.node_id, x.status`,
      [nodeId],
    );
    return rows.filter((r) => r.node_id === nodeId && r.status === "running").map((r) => ({ runId: r.run_id as number, reason: r.reason as string }));
  }

  // ── one-offs ──────────────────────────────────────────────────────────────────────────────────

  async addPendingRun(run: NewPendingRun, nowMs: number): Promise<number> {
    return this.transaction(async (c) => {
      const id = await this.allocate(c, 1);
      await c.query(
        `INSERT INTO ${this.s}.runs (id, task, trigger, status, scheduled_at, due_ms, one_off, node_id, created_ms) VALUES ($1, $2, 'once', 'pending', $3, $4, $5, $6, $7)`,
        [id, run.task, new Date(run.dueMs).toISOString(), run.dueMs, JSON.stringify(run.oneOff), this.nodeId, nowMs],
      );
      return id;
    });
  }

  async duePendingRuns(nowMs: number): Promise<PendingRun[]> {
    const { rows } = await this.query<RunRow>(`SELECT * FROM ${this.s}.runs WHERE status = 'pending' AND due_ms <= $1 ORDER BY due_ms, id`, [nowMs]);
    return rows.map((row) => ({ run: rowToRun(row, []), oneOff: JSON.parse(row.one_off!) as OneOffSpec, dueMs: row.due_ms! }));
  }

  async nextPendingDueMs(): Promise<number | null> {
    const { rows } = await this.query(`SELECT MIN(due_ms) AS due FROM ${this.s}.runs WHERE status = 'pending'`);
    return rows[0]!.due ?? null;
  }

  async claimPendingRun(id: number, startedAt: string): Promise<boolean> {
    const { rowCount } = await this.query(`UPDATE ${this.s}.runs SET status = 'running', started_at = $1, node_id = $2 WHERE id = $3 AND status = 'pending'`, [
      startedAt,
      this.nodeId,
      id,
    ]);
    return rowCount === 1;
  }

  async cancelPendingRun(id: number, finishedAt: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.query(`UPDATE ${this.s}.runs SET status = 'cancelled', finished_at = $1, error = $2 WHERE id = $3 AND status = 'pending'`, [
      finishedAt,
      reason,
      id,
    ]);
    return rowCount === 1;
  }

  // ── controls, journal, changes ────────────────────────────────────────────────────────────────

  async setPaused(task: string, paused: boolean): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`INSERT INTO ${this.s}.task_state (task, paused) VALUES ($1, $2) ON CONFLICT (task) DO UPDATE SET paused = EXCLUDED.paused`, [task, paused]);
    });
  }

  async pausedTasks(): Promise<Set<string>> {
    const { rows } = await this.query<{ task: string }>(`SELECT task FROM ${this.s}.task_state WHERE paused`);
    return new Set(rows.map((r) => r.task));
  }

  async messagesSince(afterId: number, limit = 1000): Promise<StoredMessage[]> {
    const { rows } = await this.query(`SELECT id, run_id, at, status, message FROM ${this.s}.messages WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
    return rows.map((r) => ({ id: r.id as number, runId: r.run_id as number, message: { at: r.at, status: r.status, message: r.message } }));
  }

  async lastMessageId(): Promise<number> {
    const { rows } = await this.query(`SELECT MAX(id) AS id FROM ${this.s}.messages`);
    return rows[0]!.id ?? 0;
  }

  async readEvents(query: EventQuery): Promise<JournalEvent[]> {
    const values: unknown[] = [query.afterSeq ?? 0];
    const where = ["seq > $1"];
    if (query.runId !== undefined) {
      values.push(query.runId);
      where.push(`run_id = $${values.length}`);
    }
    if (query.types !== undefined) {
      values.push(query.types);
      where.push(`type = ANY($${values.length})`);
    }
    values.push(query.limit ?? 1000);
    const { rows } = await this.query<EventRow>(`SELECT * FROM ${this.s}.events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${values.length}`, values);
    return rows.map(rowToEvent);
  }

  async lastEventSeq(): Promise<number> {
    const { rows } = await this.query(`SELECT MAX(seq) AS seq FROM ${this.s}.events`);
    return rows[0]!.seq ?? 0;
  }

  /** LISTEN on a connection of its own (one per watcher), reconnecting after a second when it is lost. */
  watchChanges(onChange: () => void): (() => void) | null {
    let stopped = false;
    let retry: NodeJS.Timeout | null = null;
    let current: pg.Client | null = null;
    const connect = async () => {
      if (stopped || this.closed) return;
      const client = new (loadPg().Client)({ connectionString: this.connectionString, application_name: "orchestrate-listen" });
      current = client;
      this.listeners.add(client);
      client.on("error", () => undefined);
      client.on("end", () => {
        this.listeners.delete(client);
        if (current === client) current = null;
        if (!stopped && !this.closed) retry = setTimeout(() => void connect(), 1000);
      });
      client.on("notification", () => onChange());
      try {
        await client.connect();
        await client.query(`LISTEN ${this.channel}`);
        // Whatever changed while it was not listening.
        onChange();
      } catch {
        await client.end().catch(() => undefined);
      }
    };
    void connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      void current?.end().catch(() => undefined);
      current = null;
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((client) => client.end().catch(() => undefined)));
    this.listeners.clear();
    await this.pool.end().catch(() => undefined);
  }
}

/** The run's own time, for its age. */
function runTimeMs(run: RunRecord): number {
  return Date.parse(run.startedAt ?? run.finishedAt ?? run.scheduledAt ?? "") || 0;
}
