import type { EventBus } from "../events/bus.js";
import { DAEMON_BEAT_MS, untilNextBeat, type Clock, type TimerHandle } from "../time/clock.js";
import type { RunStore } from "../store/contract.js";
import type { PendingRun } from "../store/types.js";

export interface OneOffPollerOptions {
  store: Pick<RunStore, "duePendingRuns" | "claimPendingRun" | "nextPendingDueMs">;
  bus: EventBus;
  clock: Clock;
  /** Starts a claimed one-off. */
  run(pending: PendingRun): void;
}

/** Without change notices from the store, look once a second (other processes add one-offs). */
const POLL_MS = 1_000;
/** Change notices come in bursts (every commit, the daemon's own too): look at most this often. */
const MIN_GAP_MS = 1_000;

/**
 * Picks up one-off runs (`orchestrate schedule`) when they are due. It looks when the store says
 * it changed (at most once a second), when the next known one-off is due (its own timer, so it
 * starts on time), and otherwise rarely: an idle daemon makes no wake-ups for it.
 */
export class OneOffPoller {
  private timer: TimerHandle | null = null;
  private timerAt = 0;
  private stopped = false;
  private polling = false;
  private again = false;
  private lastPollMs = Number.NEGATIVE_INFINITY;
  private idlePollMs = POLL_MS;
  /** Looks that failed in a row: only the first is logged, a locked store must not flood the log. */
  private failures = 0;

  constructor(private readonly options: OneOffPollerOptions) {}

  /** `hasChangeFeed`: the store says when it changes (the runtime passes those on to `changed`). */
  start(hasChangeFeed: boolean): void {
    // With them, look on the daemon's beat anyway, in case a notice is lost (network filesystems).
    if (hasChangeFeed) this.idlePollMs = DAEMON_BEAT_MS;
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

  /** The store may have changed (another process may have scheduled one): look soon. */
  changed(): void {
    if (this.stopped) return;
    const wait = this.lastPollMs + MIN_GAP_MS - this.options.clock.now();
    if (wait <= 0) return this.wake();
    this.arm(wait, false);
  }

  /** Arms the next look; unless `replace`, only ever earlier than the one already armed. */
  private arm(wait: number, replace: boolean): void {
    const at = this.options.clock.now() + wait;
    if (!replace && this.timer && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.options.clock.setTimer(wait, () => {
      this.timer = null;
      void this.poll();
    });
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    const { store, bus, clock } = this.options;
    this.lastPollMs = clock.now();
    let nextDue: number | null = null;
    let failed = false;
    try {
      const now = clock.now();
      for (const pending of await store.duePendingRuns(now)) {
        if (this.stopped) break;
        // Never waits for another process's lock: a claim that fails is tried at the next look.
        if (await store.claimPendingRun(pending.run.id, new Date(clock.now()).toISOString(), { lockWaitMs: 0 })) this.options.run(pending);
      }
      nextDue = await store.nextPendingDueMs();
    } catch (error) {
      failed = true;
      if (this.failures++ === 0) bus.emit("log", { level: "warn", message: `could not check for one-off runs (retrying every second): ${(error as Error).message}` });
    } finally {
      this.polling = false;
    }
    if (!failed) this.failures = 0;
    if (this.stopped) return;
    // A store that refused (locked by another process) is asked again soon, not at the idle pace;
    // one that changed while we looked, as soon as the gap between looks allows.
    // On the daemon's beat (time/clock.ts): an idle daemon wakes once for this and the scheduler's check.
    let waitMs = failed ? POLL_MS : untilNextBeat(clock.now(), this.idlePollMs);
    if (this.again) {
      this.again = false;
      waitMs = Math.max(0, this.lastPollMs + MIN_GAP_MS - clock.now());
    }
    // Whatever else, the next one-off known to be due gets its own, exact, wake-up.
    if (nextDue !== null) waitMs = Math.min(waitMs, Math.max(0, nextDue - clock.now()));
    this.arm(waitMs, true);
  }
}
