import type { EventBus } from "../events/bus.js";
import type { RunWriter } from "../run/task-run.js";
import type { RunStore } from "../store/contract.js";
import type { RunPatch, WriteOp } from "../store/types.js";
import type { Clock, TimerHandle } from "../time/clock.js";

export interface RecorderOptions {
  store: Pick<RunStore, "reserveRunIds" | "applyWrites" | "isTransient">;
  bus: EventBus;
  clock: Clock;
  /** Run ids reserved at a time; small, so ids stay in start order across processes. */
  idBlock?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Changes kept in memory while the store refuses them; beyond this the oldest are dropped, and counted. */
  maxQueued?: number;
}

/** The first "still failing" log comes this long after the first failure; the gap doubles up to the cap. */
const FIRST_REMINDER_MS = 10_000;
const MAX_REMINDER_MS = 600_000;
/** About one entry per run (updates merge into it): a store down for a day of 50 per-minute tasks fits. */
export const DEFAULT_MAX_QUEUED = 100_000;
const BATCH = 500;

interface QueueEntry {
  op: WriteOp;
  seq: number;
  /** Part of the batch being written now. */
  flying?: boolean;
}

/**
 * Writes to the run store off the firing path. Writes are queued in order and applied in batches
 * (one transaction each); an update to a run merges into the run's earlier queued write, and a
 * task's newer slot replaces its older one, so a store that is down for an hour costs one entry per
 * run, not one per output line. A write the store refuses for a reason that goes away (a lock, a
 * full disk, a lost connection) waits and is retried with backoff until it lands; only a write the
 * store can never accept is dropped, loudly. Writes never wait for a lock (lockWaitMs 0): the
 * recorder retries itself, and an embedded store that waits would stall the whole daemon.
 */
export class RunRecorder implements RunWriter {
  private readonly store: RecorderOptions["store"];
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly idBlock: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly maxQueued: number;

  private queue: QueueEntry[] = [];
  /**
   * The first this many queue entries are being written now: nothing merges into them (a store
   * that writes asynchronously would otherwise commit the entry without what merged meanwhile).
   */
  private inFlight = 0;
  /**
   * The last queued entry of each run, and each task's queued slot: what a new write may merge
   * into, found without scanning the queue (a burst of a thousand runs queues thousands of writes).
   */
  private readonly lastOfRun = new Map<number, QueueEntry>();
  private readonly slotOfTask = new Map<string, QueueEntry>();
  private seq = 0;
  private committedSeq = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private draining = false;
  private retryTimer: TimerHandle | null = null;
  private readonly failureListeners = new Set<() => void>();

  /** Failed attempts in a row, and when the store first failed / will next be reported. */
  private failures = 0;
  private failingSinceMs = 0;
  private nextReminderMs = 0;
  private reminderGapMs = FIRST_REMINDER_MS;
  private droppedForSpace = 0;
  private retriedWrites = 0;

  private blocks: Array<{ next: number; end: number }> = [];
  private reserving: Promise<void> | null = null;
  /** The highest id handed out or reserved: ids handed out while the store is down continue from it. */
  private highWater = 0;

  constructor(options: RecorderOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.clock = options.clock;
    this.idBlock = options.idBlock ?? 16;
    this.retryMinMs = options.retryMinMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  }

  /** Whether the last write attempt failed: a start should not wait for its record. */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Write attempts the store refused and that were (or will be) tried again, since start: a metric. */
  get writeRetries(): number {
    return this.retriedWrites;
  }

  /** Reserves the first block of run ids; throws if the store cannot give one (the daemon cannot start). */
  async prepare(): Promise<void> {
    if (this.available() > 0) return;
    const first = await this.store.reserveRunIds(this.idBlock);
    this.addBlock(first);
  }

  /**
   * The next run id, at once: from a reserved block, topped up in the background before it runs
   * out. When the store cannot reserve more (it is down), ids continue past the last one reserved;
   * the runs' records carry them into the store when it recovers, which moves its sequence past them.
   */
  nextRunId(): number {
    if (this.available() <= this.idBlock / 2) void this.reserve();
    const block = this.blocks[0];
    if (!block) return ++this.highWater;
    const id = block.next++;
    if (block.next >= block.end) this.blocks.shift();
    return id;
  }

  private available(): number {
    return this.blocks.reduce((n, b) => n + (b.end - b.next), 0);
  }

  private addBlock(first: number): void {
    // A block below ids already handed out while the store was down would repeat them.
    const start = Math.max(first, this.highWater + 1);
    const end = first + this.idBlock;
    if (start < end) this.blocks.push({ next: start, end });
    this.highWater = Math.max(this.highWater, end - 1);
  }

  /** Reserves one more block (one reservation at a time); a failure is left to the next call. */
  private reserve(): Promise<void> {
    this.reserving ??= this.store
      .reserveRunIds(this.idBlock, { lockWaitMs: 0 })
      .then((first) => this.addBlock(first))
      .catch(() => undefined)
      .finally(() => (this.reserving = null));
    return this.reserving;
  }

  /** Queues a write; resolves once it is committed, or dropped (never rejects). */
  submit(op: WriteOp): Promise<void> {
    if (this.merge(op)) return this.committed(this.seq);
    const seq = ++this.seq;
    const entry = { op, seq };
    this.queue.push(entry);
    this.index(entry);
    if (this.queue.length > this.maxQueued) this.dropOldest();
    this.kick();
    return this.committed(seq);
  }

  /**
   * Like submit, but stops waiting (not writing) after `waitMs`, or at once while the store is
   * failing: for callers that must not stall behind a locked or broken store.
   */
  async submitAndWait(op: WriteOp, waitMs: number): Promise<boolean> {
    const committed = this.submit(op);
    if (this.failing) return false;
    let timer: TimerHandle | undefined;
    let onFailure: (() => void) | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimer(waitMs, () => resolve(false));
      onFailure = () => resolve(false);
      this.failureListeners.add(onFailure);
    });
    const done = await Promise.race([committed.then(() => true), gaveUp]);
    timer?.cancel();
    this.failureListeners.delete(onFailure!);
    return done;
  }

  /** Waits until everything queued so far is committed, at most `timeoutMs`; false if not. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 && !this.draining) return true;
    if (this.retryTimer) {
      // A stop does not wait out a backoff: try again now.
      this.retryTimer.cancel();
      this.retryTimer = null;
      this.kick();
    }
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = this.clock.setTimer(timeoutMs, () => resolve(false))));
    const result = await Promise.race([this.committed(this.seq).then(() => true), timeout]);
    timer?.cancel();
    return result;
  }

  pending(): number {
    return this.queue.length;
  }

  /** An update joins its run's queued write; a slot replaces its task's older queued slot. */
  private merge(op: WriteOp): boolean {
    if (op.kind === "slot") {
      const queued = this.slotOfTask.get(op.task);
      if (!queued || queued.flying) return false;
      const slotMs = Math.max((queued.op as typeof op).slotMs, op.slotMs);
      queued.op = { ...op, slotMs };
      queued.seq = ++this.seq;
      return true;
    }
    if (op.kind !== "update") return false;
    const entry = this.lastOfRun.get(op.id);
    // Never move a write past a message of the same run: keep it simple and stop there.
    if (!entry || entry.flying || entry.op.kind === "message") return false;
    const patch = Object.fromEntries(Object.entries(op.patch).filter(([, v]) => v !== undefined)) as RunPatch;
    const queued = entry.op;
    if (queued.kind === "update") entry.op = { ...queued, patch: { ...queued.patch, ...patch } };
    else if (queued.kind === "create") entry.op = { ...queued, run: { ...queued.run, ...patch } };
    else return false;
    entry.seq = ++this.seq;
    return true;
  }

  /** Makes a queued entry the one later writes of its run (or its task's slot) merge into. */
  private index(entry: QueueEntry): void {
    const { op } = entry;
    if (op.kind === "slot") this.slotOfTask.set(op.task, entry);
    else if (op.kind === "create") this.lastOfRun.set(op.run.id, entry);
    else if (op.kind === "update" || op.kind === "message") this.lastOfRun.set(op.id, entry);
  }

  /** An entry left the queue (written, or dropped): nothing merges into it any more. */
  private unindex(entry: QueueEntry): void {
    const { op } = entry;
    if (op.kind === "slot") {
      if (this.slotOfTask.get(op.task) === entry) this.slotOfTask.delete(op.task);
      return;
    }
    const id = op.kind === "create" ? op.run.id : op.kind === "update" || op.kind === "message" ? op.id : undefined;
    if (id !== undefined && this.lastOfRun.get(id) === entry) this.lastOfRun.delete(id);
  }

  /** The first `count` entries are being written (or are not any more): nothing merges into them meanwhile. */
  private setInFlight(count: number): void {
    for (let i = 0; i < this.inFlight; i++) this.queue[i]!.flying = false;
    this.inFlight = count;
    for (let i = 0; i < count; i++) this.queue[i]!.flying = true;
  }

  private dropOldest(): void {
    const [oldest] = this.queue.splice(this.inFlight, 1);
    if (oldest) this.unindex(oldest);
    this.droppedForSpace++;
    if (this.droppedForSpace === 1 || this.droppedForSpace % 1000 === 0) {
      this.bus.emit("log", {
        level: "error",
        message: `the state store has refused writes for too long: ${this.maxQueued} changes wait in memory; dropped the oldest (${this.droppedForSpace} so far)`,
      });
    }
    if (oldest) this.markCommitted(oldest.seq);
  }

  private committed(seq: number): Promise<void> {
    if (seq <= this.committedSeq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  private kick(): void {
    if (this.draining || this.retryTimer) return;
    this.draining = true;
    queueMicrotask(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH);
      this.setInFlight(batch.length);
      try {
        await this.store.applyWrites(batch.map((e) => e.op), { lockWaitMs: 0 });
      } catch (error) {
        this.setInFlight(0);
        if (!this.store.isTransient(error) && (await this.isolateBadWrite(batch))) continue;
        this.failed(error);
        this.draining = false;
        this.retryTimer = this.clock.setTimer(this.backoffMs(), () => {
          this.retryTimer = null;
          this.kick();
        });
        return;
      }
      this.setInFlight(0);
      this.queue.splice(0, batch.length);
      for (const entry of batch) this.unindex(entry);
      this.markCommitted(Math.max(...batch.map((e) => e.seq)));
      this.recovered();
      // What waited for this batch goes on before the next is written: a burst of starts leaves
      // for the spawner while the rest of the burst's records are still queued.
      if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.markCommitted(this.seq);
    this.draining = false;
  }

  /** Applies a failing batch one write at a time; drops (and logs) the write the store can never accept. */
  private async isolateBadWrite(batch: QueueEntry[]): Promise<boolean> {
    for (const entry of batch) {
      this.setInFlight(this.queue.indexOf(entry) + 1);
      try {
        await this.store.applyWrites([entry.op], { lockWaitMs: 0 });
        this.recovered();
      } catch (error) {
        this.setInFlight(0);
        if (this.store.isTransient(error)) return false;
        this.bus.emit("log", { level: "error", message: `dropped a write the state store rejects (${entry.op.kind}): ${messageOf(error)}` });
      }
      this.setInFlight(0);
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.unindex(entry);
      this.markCommitted(entry.seq);
    }
    return true;
  }

  private markCommitted(seq: number): void {
    this.committedSeq = Math.max(this.committedSeq, seq);
    const ready: Array<() => void> = [];
    const waiting: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.seq <= this.committedSeq || this.queue.every((e) => e.seq > w.seq)) ready.push(w.resolve);
      else waiting.push(w);
    }
    this.waiters = waiting;
    for (const resolve of ready) resolve();
  }

  private backoffMs(): number {
    return Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(this.failures - 1, 10));
  }

  /** Logged at the first failure, then at a falling rate (10 s, 20 s, 40 s … up to every 10 minutes). */
  private failed(error: unknown): void {
    const now = this.clock.now();
    for (const listener of this.failureListeners) listener();
    this.failures++;
    this.retriedWrites++;
    if (this.failures === 1) {
      this.failingSinceMs = now;
      this.nextReminderMs = now + FIRST_REMINDER_MS;
      this.reminderGapMs = FIRST_REMINDER_MS;
      this.bus.emit("log", { level: "error", message: `could not record ${this.queue.length} change(s), retrying: ${messageOf(error)}` });
    } else if (now >= this.nextReminderMs) {
      this.reminderGapMs = Math.min(this.reminderGapMs * 2, MAX_REMINDER_MS);
      this.nextReminderMs = now + this.reminderGapMs;
      const seconds = Math.round((now - this.failingSinceMs) / 1000);
      this.bus.emit("log", { level: "error", message: `still could not record ${this.queue.length} change(s) after ${seconds}s, retrying: ${messageOf(error)}` });
    }
  }

  private recovered(): void {
    if (this.failures === 0) return;
    const seconds = Math.round((this.clock.now() - this.failingSinceMs) / 1000);
    this.bus.emit("log", { level: "info", message: `the state store is writable again after ${seconds}s; the changes that waited are recorded` });
    this.failures = 0;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
