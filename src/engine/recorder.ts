import type { EventBus } from "../events/bus.js";
import type { Clock, TimerHandle } from "../schedule/clock.js";
import type { RunPatch, RunStore, WriteOp } from "../store/types.js";

export interface RecorderOptions {
  store: RunStore;
  bus: EventBus;
  clock: Clock;
  /** Run ids reserved at a time; small, so ids stay in start order across processes. */
  idBlock?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Errors that go away by themselves: a lock held by another process, a full disk being cleaned up. */
const TRANSIENT = /SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL)|ECONN|ETIMEDOUT|EPIPE|ENOSPC|database is locked|connection/i;

/**
 * Writes to the run store off the firing path. Writes are queued in order and applied in batches
 * (one transaction each); a queued update to a run merges into the run's earlier queued write, so
 * a store that is down for an hour costs one entry per run, not one per output line. Transient
 * failures are logged and retried with backoff; a write the store rejects for good is dropped and
 * logged rather than blocking everything behind it.
 */
export class RunRecorder {
  private readonly store: RunStore;
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly idBlock: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  private queue: Array<{ op: WriteOp; seq: number }> = [];
  private seq = 0;
  private committedSeq = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private draining = false;
  private retryTimer: TimerHandle | null = null;
  private failures = 0;
  private readonly failureListeners = new Set<() => void>();

  private blocks: Array<{ next: number; end: number }> = [];
  private reserving: Promise<void> | null = null;

  constructor(options: RecorderOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.clock = options.clock;
    this.idBlock = options.idBlock ?? 16;
    this.retryMinMs = options.retryMinMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
  }

  /** The next run id: from a reserved block, topped up in the background before it runs out. */
  async nextRunId(): Promise<number> {
    while (this.available() === 0) await this.reserve();
    const block = this.blocks[0]!;
    const id = block.next++;
    if (block.next >= block.end) this.blocks.shift();
    if (this.available() <= this.idBlock / 2) void this.reserve();
    return id;
  }

  private available(): number {
    return this.blocks.reduce((n, b) => n + (b.end - b.next), 0);
  }

  /** Reserves one more block (one reservation at a time); failures are logged and waited out. */
  private reserve(): Promise<void> {
    this.reserving ??= (async () => {
      try {
        const first = await this.store.reserveRunIds(this.idBlock);
        this.blocks.push({ next: first, end: first + this.idBlock });
      } catch (error) {
        this.reportFailure(error, "could not reserve run ids");
        await new Promise<void>((resolve) => this.clock.setTimer(this.backoffMs(), resolve));
      } finally {
        this.reserving = null;
      }
    })();
    return this.reserving;
  }

  /** Queues a write; resolves once it is committed (never rejects). */
  submit(op: WriteOp): Promise<void> {
    if (op.kind === "update" && this.mergeUpdate(op.id, op.patch)) return this.committed(this.seq);
    const seq = ++this.seq;
    this.queue.push({ op, seq });
    this.kick();
    return this.committed(seq);
  }

  /**
   * Like submit, but stops waiting (not writing) after `waitMs` or as soon as a write attempt
   * fails: for callers that must not stall behind a locked or broken store.
   */
  async submitAndWait(op: WriteOp, waitMs: number): Promise<boolean> {
    let timer: TimerHandle | undefined;
    let onFailure: (() => void) | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimer(waitMs, () => resolve(false));
      onFailure = () => resolve(false);
      this.failureListeners.add(onFailure);
    });
    const done = await Promise.race([this.submit(op).then(() => true), gaveUp]);
    timer?.cancel();
    this.failureListeners.delete(onFailure!);
    return done;
  }

  /** Waits until everything queued so far is committed, at most `timeoutMs`; false if not. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0 && !this.draining) return true;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = this.clock.setTimer(timeoutMs, () => resolve(false))));
    const result = await Promise.race([this.committed(this.seq).then(() => true), timeout]);
    timer?.cancel();
    return result;
  }

  pending(): number {
    return this.queue.length;
  }

  private mergeUpdate(id: number, update: RunPatch): boolean {
    const patch = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) as RunPatch;
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const entry = this.queue[i]!;
      const op = entry.op;
      if (op.kind === "update" && op.id === id) {
        entry.op = { ...op, patch: { ...op.patch, ...patch } };
        entry.seq = ++this.seq;
        return true;
      }
      if (op.kind === "create" && op.run.id === id) {
        entry.op = { ...op, run: { ...op.run, ...patch } };
        entry.seq = ++this.seq;
        return true;
      }
      // Never move a write past a message or slot of the same run's history: keep it simple and stop here.
      if (op.kind === "message" && op.id === id) return false;
    }
    return false;
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
      const batch = this.queue.slice(0, 500);
      try {
        await this.store.applyWrites(batch.map((e) => e.op));
      } catch (error) {
        if (!TRANSIENT.test(String((error as Error).message ?? error)) && (await this.isolateBadWrite(batch))) continue;
        this.reportFailure(error, `could not record ${this.queue.length} change(s), retrying`);
        for (const listener of this.failureListeners) listener();
        this.draining = false;
        this.retryTimer = this.clock.setTimer(this.backoffMs(), () => {
          this.retryTimer = null;
          this.kick();
        });
        return;
      }
      this.queue.splice(0, batch.length);
      this.markCommitted(Math.max(...batch.map((e) => e.seq)));
      if (this.failures > 0) {
        this.bus.emit("log", { level: "info", message: "the state store is writable again; queued changes recorded" });
        this.failures = 0;
      }
    }
    this.markCommitted(this.seq);
    this.draining = false;
  }

  /** Applies a failing batch one write at a time; drops (and logs) the write the store rejects. */
  private async isolateBadWrite(batch: Array<{ op: WriteOp; seq: number }>): Promise<boolean> {
    for (const entry of batch) {
      try {
        await this.store.applyWrites([entry.op]);
      } catch (error) {
        if (TRANSIENT.test(String((error as Error).message))) return false;
        this.bus.emit("log", { level: "error", message: `dropped a write the state store rejects (${entry.op.kind}): ${(error as Error).message}` });
      }
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.markCommitted(entry.seq);
    }
    return true;
  }

  private markCommitted(seq: number): void {
    this.committedSeq = Math.max(this.committedSeq, seq);
    const ready = this.waiters.filter((w) => w.seq <= this.committedSeq || this.queue.every((e) => e.seq > w.seq));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  private backoffMs(): number {
    return Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(this.failures, 10));
  }

  private reportFailure(error: unknown, what: string): void {
    // First failure and then every tenth: a locked store for an hour must not flood the log.
    if (this.failures % 10 === 0) {
      this.bus.emit("log", { level: "error", message: `${what}: ${(error as Error).message ?? String(error)}` });
    }
    this.failures++;
  }
}
