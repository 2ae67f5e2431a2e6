import type { EventBus } from "../events/bus.js";
import type { Clock, TimerHandle } from "../schedule/clock.js";
import type { PendingRun, RunStore } from "../store/types.js";

export interface OneOffPollerOptions {
  store: RunStore;
  bus: EventBus;
  clock: Clock;
  /** Starts a claimed one-off. */
  run(pending: PendingRun): void;
}

/** Other processes add one-offs to the store, so the daemon looks: at most once a second when idle. */
const POLL_MS = 1_000;

/**
 * Picks up one-off runs (`orchestrate schedule`) when they are due. A one-off due within the next
 * poll gets its own timer, so it starts on time rather than up to a second late.
 */
export class OneOffPoller {
  private timer: TimerHandle | null = null;
  private stopped = false;
  private polling = false;

  constructor(private readonly options: OneOffPollerOptions) {}

  start(): void {
    void this.poll();
  }

  /** Looks now (after a one-off was scheduled in this process). */
  wake(): void {
    this.timer?.cancel();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    this.polling = true;
    const { store, bus, clock } = this.options;
    let nextDue: number | null = null;
    try {
      const now = clock.now();
      for (const pending of await store.duePendingRuns(now)) {
        if (this.stopped) break;
        if (await store.claimPendingRun(pending.run.id, new Date(clock.now()).toISOString())) this.options.run(pending);
      }
      nextDue = await store.nextPendingDueMs();
    } catch (error) {
      bus.emit("log", { level: "warn", message: `could not check for one-off runs: ${(error as Error).message}` });
    } finally {
      this.polling = false;
    }
    if (this.stopped) return;
    const wait = nextDue === null ? POLL_MS : Math.max(0, Math.min(POLL_MS, nextDue - clock.now()));
    this.timer = clock.setTimer(wait, () => void this.poll());
  }
}
