/**
 * What is steered from outside the daemon, followed through the store: tasks paused and resumed
 * (`orchestrate pause`), and messages running scripts report (`orchestrate report`). Another
 * process writes them; the daemon learns of them when the store changes (or within a second),
 * honours the pauses at the next fire, and announces the messages of the runs it runs.
 */
import type { EventBus } from "../events/bus.js";
import type { RunStore } from "../store/contract.js";
import type { Clock, TimerHandle } from "../time/clock.js";

export interface ControlsOptions {
  store: Pick<RunStore, "pausedTasks" | "messagesSince" | "lastMessageId">;
  bus: EventBus;
  clock: Clock;
  /** The task of a run going in this process, or null (its messages are another process's to announce). */
  taskOfRunning(runId: number): string | null;
}

/** Changes come in bursts (every commit, the daemon's own too): look at most this often. */
const MIN_GAP_MS = 1_000;
/** Without change notices from the store, look this often anyway: "within a second". */
const POLL_MS = 1_000;

export class Controls {
  private paused = new Set<string>();
  private lastMessageId = 0;
  private timer: TimerHandle | null = null;
  private lastLookMs = Number.NEGATIVE_INFINITY;
  private looking: Promise<void> | null = null;
  private stopped = false;
  private polling = false;

  constructor(private readonly options: ControlsOptions) {}

  /** Reads the paused tasks, and starts after the messages already there. */
  async start(hasChangeFeed: boolean): Promise<void> {
    this.paused = await this.options.store.pausedTasks();
    this.lastMessageId = await this.options.store.lastMessageId();
    this.polling = !hasChangeFeed;
    if (this.polling) this.arm(POLL_MS);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  isPaused(name: string): boolean {
    return this.paused.has(name);
  }

  /** The store may have changed: look soon (at most once a second). */
  changed(): void {
    if (this.stopped) return;
    const wait = this.lastLookMs + MIN_GAP_MS - this.options.clock.now();
    if (wait <= 0) void this.look();
    else this.arm(wait);
  }

  /** Looks now, and resolves when done (after this process changed something itself). */
  look(): Promise<void> {
    this.looking ??= this.read().finally(() => (this.looking = null));
    return this.looking;
  }

  private arm(waitMs: number): void {
    if (this.timer) return;
    this.timer = this.options.clock.setTimer(waitMs, () => {
      this.timer = null;
      void this.look().then(() => {
        if (this.polling && !this.stopped) this.arm(POLL_MS);
      });
    });
  }

  private async read(): Promise<void> {
    const { store, bus } = this.options;
    this.lastLookMs = this.options.clock.now();
    try {
      this.paused = await store.pausedTasks();
      for (const { id, runId, message } of await store.messagesSince(this.lastMessageId)) {
        this.lastMessageId = id;
        const task = this.options.taskOfRunning(runId);
        if (task !== null) bus.emit("run.message", { runId, task, at: message.at, status: message.status, message: message.message });
      }
    } catch (error) {
      bus.emit("log", { level: "warn", message: `could not read pauses and messages from the state store: ${(error as Error).message}` });
    }
  }
}
