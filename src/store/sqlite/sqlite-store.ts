import { existsSync, mkdirSync, watch } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname } from "node:path";
import Database from "better-sqlite3";
import { isProcessAlive } from "../../util/process-alive.js";
import { StoreLockedError, type NodeIdentity, type RunStore, type SlotClaim, type WriteOptions } from "../contract.js";
import {
  FINISHED_STATUSES,
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
  type DeliveryRecord,
  type WriteOp,
} from "../types.js";
import { stateFileProblem } from "../../config/state.js";
import { MIGRATIONS } from "./migrations.js";
import { rowToEvent, rowToRun, type EventRow, type RunRow } from "./rows.js";

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing (ms), unless a call says otherwise. */
  busyTimeoutMs?: number;
  /**
   * For commands that only read (history, show): the file must exist and is never created,
   * migrated or written, so a typo creates nothing and a store this user cannot write still reads.
   */
  readOnly?: boolean;
}

/** Thrown when a store opened read-only does not exist: nothing has been recorded there. */
export class StoreNotFoundError extends Error {
  constructor(readonly location: string) {
    super(`there is no state store at ${location}`);
  }
}

const FINISHED_SQL = FINISHED_STATUSES.map((s) => `'${s}'`).join(", ");
const PRUNE_CHUNK = 2_000;
const DEFAULT_LOCK_WAIT_MS = 5_000;
/** SQLite result codes of a write that can never succeed as it is: dropping it beats retrying it for ever. */
const PERMANENT = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

async function drainChunks(deleteChunk: () => number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = deleteChunk();
    total += n;
    if (n < PRUNE_CHUNK) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The embedded default store: one SQLite file in WAL mode, so `history` and `show` read beside a
 * running daemon, and `trigger`/`schedule` write beside it. Every write is one short transaction:
 * a SIGKILL at any moment leaves the last committed state. One daemon at a time (`exclusive`).
 */
export class SqliteStore implements RunStore {
  readonly location: string;
  readonly exclusive = true;
  readonly cluster = null;
  private readonly db: Database.Database;
  /** Which process owns the runs it creates, so a later start can tell orphans from live runs. */
  private readonly owner = `${hostname()}:${process.pid}`;
  private readonly statements;
  /** readEvents' statements, one per shape of query (a few): prepared once, not per read. */
  private readonly eventQueries = new Map<string, Database.Statement>();
  /** Prepared UPDATEs by the set of columns they change: a handful of shapes, reused for every run. */
  private readonly updates = new Map<string, Database.Statement>();
  private readonly lockWaitMs: number;
  private currentLockWaitMs = -1;

  constructor(file: string, options: SqliteStoreOptions = {}) {
    this.location = file;
    this.lockWaitMs = options.busyTimeoutMs ?? DEFAULT_LOCK_WAIT_MS;
    if (file !== ":memory:") {
      // Before mkdir, which never returns under /proc.
      const problem = stateFileProblem(file);
      if (problem) throw new Error(`cannot use the state store: ${problem}`);
    }
    if (options.readOnly) {
      this.db = openForReading(file);
      this.waitForLocks(this.lockWaitMs);
      this.checkVersionForReading();
    } else {
      if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
      this.db = withUriFilenames(() => new Database(file));
      this.waitForLocks(this.lockWaitMs);
      this.db.pragma("journal_mode = WAL");
      // NORMAL in WAL mode is durable against process crashes (SIGKILL); only an OS crash may lose
      // the last transactions, and it never corrupts the file.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.migrate();
    }
    this.statements = this.prepare();
  }

  /** A reader cannot migrate: an older file is upgraded by the next command that writes to it. */
  private checkVersionForReading(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version === 0) throw new Error(`${this.location} is not an orchestrate state store`);
    if (version < MIGRATIONS.length) {
      throw new Error(`the state store ${this.location} was written by an older orchestrate: run \`orchestrate trigger\` or \`orchestrate run\` on it once to upgrade it`);
    }
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insertPending: db.prepare(
        `INSERT INTO runs (task, trigger, status, scheduled_at, due_ms, one_off, daemon_id, created_ms)
         VALUES (@task, 'once', 'pending', @scheduledAt, @dueMs, @oneOff, @owner, @createdMs)`,
      ),
      insertFull: db.prepare(
        `INSERT INTO runs (id, task, trigger, status, scheduled_at, started_at, finished_at, attempts, exit_code, error, reason,
           output, http, steps, invocations, daemon_id, created_ms)
         VALUES (@id, @task, @trigger, @status, @scheduledAt, @startedAt, @finishedAt, @attempts, @exitCode, @error, @reason,
           @output, @http, @steps, @invocations, @owner, @createdMs)`,
      ),
      sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'runs'`),
      startSequence: db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('runs', 0)`),
      bumpSequence: db.prepare(`UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'runs'`),
      get: db.prepare(`SELECT * FROM runs WHERE id = ?`),
      messagesOf: db.prepare(`SELECT at, status, message FROM messages WHERE run_id = ? ORDER BY rowid`),
      deliveriesOf: db.prepare(`SELECT at, event, destination, status, attempts, detail FROM deliveries WHERE run_id = ? ORDER BY rowid`),
      addDelivery: db.prepare(`INSERT INTO deliveries (run_id, at, event, destination, status, attempts, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      messagesSince: db.prepare(`SELECT rowid AS id, run_id, at, status, message FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?`),
      lastMessage: db.prepare(`SELECT MAX(rowid) AS id FROM messages`),
      setPaused: db.prepare(
        `INSERT INTO task_state (task, paused) VALUES (?, ?) ON CONFLICT (task) DO UPDATE SET paused = excluded.paused`,
      ),
      paused: db.prepare(`SELECT task FROM task_state WHERE paused = 1`),
      cancelPending: db.prepare(
        `UPDATE runs SET status = 'cancelled', finished_at = ?, error = ? WHERE id = ? AND status = 'pending'`,
      ),
      addMessage: db.prepare(`INSERT INTO messages (run_id, at, status, message) VALUES (?, ?, ?, ?)`),
      lastSlots: db.prepare(`SELECT task, last_slot_ms FROM task_state WHERE last_slot_ms IS NOT NULL`),
      // Only ever forward: a slot at or before the task's last one was already handled.
      claimSlot: db.prepare(
        `INSERT INTO task_state (task, last_slot_ms) VALUES (?, ?)
         ON CONFLICT (task) DO UPDATE SET last_slot_ms = excluded.last_slot_ms
         WHERE task_state.last_slot_ms IS NULL OR task_state.last_slot_ms < excluded.last_slot_ms`,
      ),
      lockRow: db.prepare(`SELECT * FROM daemon_lock WHERE singleton = 1`),
      takeLock: db.prepare(
        `INSERT INTO daemon_lock (singleton, daemon_id, pid, host, started_at, heartbeat_ms) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET daemon_id = excluded.daemon_id, pid = excluded.pid, host = excluded.host,
           started_at = excluded.started_at, heartbeat_ms = excluded.heartbeat_ms`,
      ),
      renewLock: db.prepare(`UPDATE daemon_lock SET heartbeat_ms = ? WHERE daemon_id = ?`),
      releaseLock: db.prepare(`DELETE FROM daemon_lock WHERE daemon_id = ?`),
      running: db.prepare(`SELECT * FROM runs WHERE status = 'running' ORDER BY id`),
      duePending: db.prepare(`SELECT * FROM runs WHERE status = 'pending' AND due_ms <= ? ORDER BY due_ms, id`),
      nextPending: db.prepare(`SELECT MIN(due_ms) AS due FROM runs WHERE status = 'pending'`),
      claimPending: db.prepare(
        `UPDATE runs SET status = 'running', started_at = ?, daemon_id = ? WHERE id = ? AND status = 'pending'`,
      ),
      addEvent: db.prepare(
        `INSERT INTO events (id, type, at, task, run_id, data, created_ms) VALUES (@id, @type, @at, @task, @runId, @data, @createdMs)
         ON CONFLICT (id) DO NOTHING`,
      ),
      tasks: db.prepare(`SELECT DISTINCT task FROM runs`),
      pruneOld: db.prepare(
        `DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE created_ms < ? AND status IN (${FINISHED_SQL}) LIMIT ${PRUNE_CHUNK})`,
      ),
      cutoffId: db.prepare(
        `SELECT id FROM runs WHERE task = ? AND status IN (${FINISHED_SQL}) ORDER BY id DESC LIMIT 1 OFFSET ?`,
      ),
      pruneTask: db.prepare(
        `DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE task = ? AND status IN (${FINISHED_SQL}) AND id <= ? LIMIT ${PRUNE_CHUNK})`,
      ),
      pruneOldEvents: db.prepare(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_ms < ? LIMIT ${PRUNE_CHUNK})`),
      eventCutoff: db.prepare(`SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?`),
      pruneEventsBefore: db.prepare(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? LIMIT ${PRUNE_CHUNK})`),
    };
  }

  /** busy_timeout is per connection; it is set only when a call asks for a different wait. */
  private waitForLocks(ms: number): void {
    const wait = Math.max(0, Math.round(ms));
    if (wait === this.currentLockWaitMs) return;
    this.db.pragma(`busy_timeout = ${wait}`);
    this.currentLockWaitMs = wait;
  }

  async addPendingRun(run: NewPendingRun, nowMs: number): Promise<number> {
    this.waitForLocks(this.lockWaitMs);
    const result = this.statements.insertPending.run({
      task: run.task,
      scheduledAt: new Date(run.dueMs).toISOString(),
      dueMs: run.dueMs,
      oneOff: JSON.stringify(run.oneOff),
      owner: this.owner,
      createdMs: nowMs,
    });
    return Number(result.lastInsertRowid);
  }

  async reserveRunIds(count: number, options: WriteOptions = {}): Promise<number> {
    this.waitForLocks(options.lockWaitMs ?? this.lockWaitMs);
    return this.db
      .transaction(() => {
        // AUTOINCREMENT keeps its high-water mark in sqlite_sequence and never hands out an id at or
        // below it: moving the mark up by `count` makes the ids in between ours alone.
        let row = this.statements.sequence.get() as { seq: number } | undefined;
        if (!row) {
          this.statements.startSequence.run();
          row = { seq: 0 };
        }
        this.statements.bumpSequence.run(count);
        return row.seq + 1;
      })
      .immediate();
  }

  async applyWrites(ops: WriteOp[], options: WriteOptions = {}): Promise<void> {
    this.waitForLocks(options.lockWaitMs ?? this.lockWaitMs);
    this.db
      .transaction(() => {
        for (const op of ops) this.applyWrite(op);
      })
      .immediate();
  }

  isTransient(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code;
    // better-sqlite3 throws SqliteError with the result code; anything else (a bad binding) is a bug.
    if (typeof code !== "string" || !code.startsWith("SQLITE_")) return false;
    return !PERMANENT.test(code);
  }

  private applyWrite(op: WriteOp): void {
    switch (op.kind) {
      case "create": {
        const run = op.run;
        this.statements.insertFull.run({
          id: run.id,
          task: run.task,
          trigger: run.trigger,
          status: run.status,
          scheduledAt: run.scheduledAt,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          attempts: run.attempts,
          exitCode: run.exitCode,
          error: run.error,
          reason: run.reason,
          output: run.output,
          http: run.http ? JSON.stringify(run.http) : null,
          steps: run.steps.length ? JSON.stringify(run.steps) : null,
          invocations: run.invocations.length ? JSON.stringify(run.invocations) : null,
          owner: this.owner,
          // The run's own time (from the engine's clock) decides its age for keep_days.
          createdMs: runTimeMs(run),
        });
        for (const message of run.messages) this.statements.addMessage.run(run.id, message.at, message.status, message.message);
        return;
      }
      case "update":
        return this.updateRun(op.id, op.patch);
      case "message":
        this.statements.addMessage.run(op.id, op.message.at, op.message.status, op.message.message);
        return;
      case "slot":
        this.statements.claimSlot.run(op.task, op.slotMs);
        return;
      case "delivery": {
        const d = op.delivery;
        this.statements.addDelivery.run(op.id, d.at, d.event, d.destination, d.status, d.attempts, d.detail);
        return;
      }
      case "event":
        this.statements.addEvent.run({
          id: op.event.id,
          type: op.event.type,
          at: op.event.at,
          task: op.event.task,
          runId: op.event.runId,
          data: JSON.stringify(op.event.data),
          createdMs: Date.parse(op.event.at) || 0,
        });
        return;
    }
  }

  private updateRun(id: number, patch: RunPatch): void {
    const columns: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      columns.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.status !== undefined) set("status", patch.status);
    if (patch.scheduledAt !== undefined) set("scheduled_at", patch.scheduledAt);
    if (patch.startedAt !== undefined) set("started_at", patch.startedAt);
    if (patch.finishedAt !== undefined) set("finished_at", patch.finishedAt);
    if (patch.attempts !== undefined) set("attempts", patch.attempts);
    if (patch.exitCode !== undefined) set("exit_code", patch.exitCode);
    if (patch.error !== undefined) set("error", patch.error);
    if (patch.reason !== undefined) set("reason", patch.reason);
    if (patch.output !== undefined) set("output", patch.output);
    if (patch.http !== undefined) set("http", patch.http === null ? null : JSON.stringify(patch.http));
    if (patch.steps !== undefined) set("steps", JSON.stringify(patch.steps));
    if (patch.invocations !== undefined) set("invocations", JSON.stringify(patch.invocations));
    if (columns.length === 0) return;
    const sql = `UPDATE runs SET ${columns.join(", ")} WHERE id = ?`;
    let statement = this.updates.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.updates.set(sql, statement);
    }
    statement.run(...values, id);
  }

  /** A run with its messages and notifications. */
  private fullRun(row: RunRow): RunRecord {
    return rowToRun(row, this.statements.messagesOf.all(row.id) as RunMessage[], this.statements.deliveriesOf.all(row.id) as DeliveryRecord[]);
  }

  async getRun(id: number): Promise<RunRecord | null> {
    const row = this.statements.get.get(id) as RunRow | undefined;
    if (!row) return null;
    return this.fullRun(row);
  }

  async history(query: HistoryQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.task) {
      where.push("task = ?");
      values.push(query.task);
    }
    if (query.status) {
      where.push("status = ?");
      values.push(query.status);
    }
    if (query.before !== undefined) {
      where.push("id < ?");
      values.push(query.before);
    }
    if (query.sinceMs !== undefined) {
      where.push("created_ms >= ?");
      values.push(query.sinceMs);
    }
    if (query.untilMs !== undefined) {
      where.push("created_ms < ?");
      values.push(query.untilMs);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, query.limit ?? 50) as RunRow[];
    return rows.map((row) => this.fullRun(row));
  }

  async lastSlots(): Promise<Map<string, number>> {
    const rows = this.statements.lastSlots.all() as Array<{ task: string; last_slot_ms: number }>;
    return new Map(rows.map((r) => [r.task, r.last_slot_ms]));
  }

  async claimSlots(claims: SlotClaim[], options: WriteOptions = {}): Promise<boolean[]> {
    this.waitForLocks(options.lockWaitMs ?? this.lockWaitMs);
    return this.db.transaction(() => claims.map((c) => this.statements.claimSlot.run(c.task, c.slotMs).changes === 1)).immediate();
  }

  async acquireLease(me: NodeIdentity, nowMs: number): Promise<void> {
    this.waitForLocks(this.lockWaitMs);
    this.db
      .transaction(() => {
        const holder = this.statements.lockRow.get() as
          | { daemon_id: string; pid: number; host: string; started_at: string }
          | undefined;
        if (holder && holder.daemon_id !== me.nodeId && isAlive(holder.pid, holder.host)) {
          throw new StoreLockedError({ nodeId: holder.daemon_id, pid: holder.pid, host: holder.host, startedAt: holder.started_at });
        }
        this.statements.takeLock.run(me.nodeId, me.pid, me.host, me.startedAt, nowMs);
      })
      .immediate();
  }

  async renewLease(nodeId: string, nowMs: number): Promise<void> {
    this.waitForLocks(this.lockWaitMs);
    this.statements.renewLock.run(nowMs, nodeId);
  }

  async releaseLease(nodeId: string): Promise<void> {
    this.waitForLocks(this.lockWaitMs);
    this.statements.releaseLock.run(nodeId);
  }

  async orphanedRuns(): Promise<RunRecord[]> {
    const orphans: RunRecord[] = [];
    for (const row of this.statements.running.all() as RunRow[]) {
      const [host = "", pid = "0"] = (row.daemon_id ?? "").split(":");
      if (!isAlive(Number(pid), host)) orphans.push(rowToRun(row, []));
    }
    return orphans;
  }

  async duePendingRuns(nowMs: number): Promise<PendingRun[]> {
    const rows = this.statements.duePending.all(nowMs) as RunRow[];
    return rows.map((row) => ({ run: rowToRun(row, []), oneOff: JSON.parse(row.one_off!) as OneOffSpec, dueMs: row.due_ms! }));
  }

  async nextPendingDueMs(): Promise<number | null> {
    const row = this.statements.nextPending.get() as { due: number | null };
    return row.due;
  }

  async claimPendingRun(id: number, startedAt: string, options: WriteOptions = {}): Promise<boolean> {
    this.waitForLocks(options.lockWaitMs ?? this.lockWaitMs);
    return this.statements.claimPending.run(startedAt, this.owner, id).changes === 1;
  }

  async cancelPendingRun(id: number, finishedAt: string, reason: string): Promise<boolean> {
    this.waitForLocks(this.lockWaitMs);
    return this.statements.cancelPending.run(finishedAt, reason, id).changes === 1;
  }

  async setPaused(task: string, paused: boolean): Promise<void> {
    this.waitForLocks(this.lockWaitMs);
    this.statements.setPaused.run(task, paused ? 1 : 0);
  }

  async pausedTasks(): Promise<Set<string>> {
    return new Set((this.statements.paused.all() as Array<{ task: string }>).map((row) => row.task));
  }

  async messagesSince(afterId: number, limit = 1000): Promise<StoredMessage[]> {
    const rows = this.statements.messagesSince.all(afterId, limit) as Array<{ id: number; run_id: number } & RunMessage>;
    return rows.map(({ id, run_id, at, status, message }) => ({ id, runId: run_id, message: { at, status, message } }));
  }

  async lastMessageId(): Promise<number> {
    return (this.statements.lastMessage.get() as { id: number | null }).id ?? 0;
  }

  async readEvents(query: EventQuery): Promise<JournalEvent[]> {
    const where = ["seq > ?"];
    const values: unknown[] = [query.afterSeq ?? 0];
    if (query.runId !== undefined) {
      where.push("run_id = ?");
      values.push(query.runId);
    }
    if (query.types !== undefined) {
      where.push(`type IN (${query.types.map(() => "?").join(", ") || "NULL"})`);
      values.push(...query.types);
    }
    const sql = `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`;
    let statement = this.eventQueries.get(sql);
    if (!statement) this.eventQueries.set(sql, (statement = this.db.prepare(sql)));
    const rows = statement.all(...values, query.limit ?? 1000) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** Deletes in chunks, yielding between them, so a first prune of a million runs never stalls the daemon. */
  async prune(retention: Retention, options: WriteOptions = {}): Promise<number> {
    const chunks = (statement: Database.Statement, ...args: unknown[]) =>
      drainChunks(() => {
        // Set before each chunk: other calls may have changed the wait while this one yielded.
        this.waitForLocks(options.lockWaitMs ?? this.lockWaitMs);
        return statement.run(...args).changes;
      });
    const before = retention.nowMs - retention.keepDays * 86_400_000;
    let deleted = await chunks(this.statements.pruneOld, before);
    for (const { task } of this.statements.tasks.all() as Array<{ task: string }>) {
      // Finding a task's cutoff scans keep_runs index entries: yield between tasks, not after all.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const cutoff = this.statements.cutoffId.get(task, retention.keepRuns) as { id: number } | undefined;
      if (cutoff) deleted += await chunks(this.statements.pruneTask, task, cutoff.id);
    }
    await chunks(this.statements.pruneOldEvents, before);
    const eventCutoff = this.statements.eventCutoff.get(retention.keepEvents) as { seq: number } | undefined;
    if (eventCutoff) await chunks(this.statements.pruneEventsBefore, eventCutoff.seq);
    return deleted;
  }

  watchChanges(onChange: () => void): (() => void) | null {
    if (this.location === ":memory:") return null;
    // Every commit touches the file or its -wal beside it; inotify tells us without a wake-up when idle.
    const name = basename(this.location);
    try {
      const watcher = watch(dirname(this.location), { persistent: false }, (_event, file) => {
        if (file === null || file.startsWith(name)) onChange();
      });
      watcher.on("error", () => undefined);
      return () => watcher.close();
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * A read-only connection that creates nothing. A WAL database is read through its -shm index, which
 * SQLite makes beside the file when it is missing, and cannot make in a folder this user may not
 * write. Without a -wal file no writer has it open, so the file alone is the whole state and is
 * read as immutable; with one, a writer is live and the reader shares its index.
 */
function openForReading(file: string): Database.Database {
  if (!existsSync(file)) throw new StoreNotFoundError(file);
  const shared = () => withUriFilenames(() => new Database(file, { readonly: true, fileMustExist: true }));
  if (existsSync(`${file}-wal`)) return shared();
  try {
    return withUriFilenames(() => new Database(`file:${encodeURIPath(file)}?immutable=1`, { readonly: true, fileMustExist: true }));
  } catch {
    // The addon was loaded before URIs were asked for (someone else opened a database first).
    return shared();
  }
}

/**
 * better-sqlite3 reads SQLITE_USE_URI once, when its addon loads (on the first open of the
 * process, whichever store that is): set for that moment, and not left for the scripts this process
 * starts. Paths stay plain paths either way; only names starting with `file:` are URIs.
 */
function withUriFilenames<T>(open: () => T): T {
  const before = process.env.SQLITE_USE_URI;
  process.env.SQLITE_USE_URI = "1";
  try {
    return open();
  } finally {
    if (before === undefined) delete process.env.SQLITE_USE_URI;
    else process.env.SQLITE_USE_URI = before;
  }
}

function encodeURIPath(path: string): string {
  return path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The run's own time, for its age. */
function runTimeMs(run: RunRecord): number {
  return Date.parse(run.startedAt ?? run.finishedAt ?? run.scheduledAt ?? "") || 0;
}

/** Whether a process that owns runs or the lock is still there. Other hosts cannot be probed: assume alive. */
function isAlive(pid: number, host: string): boolean {
  return host !== hostname() || isProcessAlive(pid);
}
