/**
 * Time, injected. Every rule about when something fires reads the clock through this interface,
 * so tests can step, jump and reverse time exactly instead of waiting for it.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (may jump: NTP steps, suspend). */
  now(): number;
  /** Calls `fn` after roughly `ms` of elapsed time. The caller re-checks `now()`: timers may wake early or late. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** Node fires any longer setTimeout after 1 ms, so longer waits are chained. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The daemon's beat: how often an idle daemon looks at the clock (a step or a suspend is noticed
 * within it) and, without change notices from the store, for one-offs. Both looks use this one
 * period so that they wake together (untilNextBeat).
 */
export const DAEMON_BEAT_MS = 30_000;

/**
 * Milliseconds from `nowMs` to the next multiple of `periodMs` of wall time (a whole period when
 * on one). The daemon's periodic looks (the scheduler's check of the clock, the one-off poller's
 * look at the store) wait for the same beats, so an idle daemon wakes once per period, not once
 * per look: on a machine that reclaims an idle process's memory, each wake-up costs milliseconds.
 */
export function untilNextBeat(nowMs: number, periodMs: number): number {
  if (!Number.isFinite(periodMs) || periodMs <= 0) return periodMs;
  const into = ((nowMs % periodMs) + periodMs) % periodMs;
  return periodMs - into;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    let handle: NodeJS.Timeout;
    const arm = (remaining: number) => {
      handle = setTimeout(() => (remaining > MAX_TIMER_MS ? arm(remaining - MAX_TIMER_MS) : fn()), Math.min(Math.max(0, remaining), MAX_TIMER_MS));
    };
    arm(ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * A clock for tests: time moves only when told. `advance` fires due timers in order, each seeing
 * `now()` at its own due time; `set` jumps the wall clock without firing anything by itself, as an
 * NTP step does, and timers then fire by elapsed time as real ones would.
 */
export class ManualClock implements Clock {
  private current: number;
  private elapsed = 0;
  private timers: Array<{ due: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(start: number | Date | string) {
    this.current = typeof start === "number" ? start : new Date(start).getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { due: this.elapsed + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  /** Jumps the wall clock (forward or backward) without elapsed time passing. */
  set(to: number | Date | string): void {
    this.current = typeof to === "number" ? to : new Date(to).getTime();
  }

  /** Lets `ms` of real time pass, firing timers as they come due. Async so fired work can settle. */
  async advance(ms: number): Promise<void> {
    const end = this.elapsed + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.current += next.due - this.elapsed;
      this.elapsed = next.due;
      next.fn();
      await flushMicrotasks();
    }
    this.current += end - this.elapsed;
    this.elapsed = end;
    await flushMicrotasks();
  }

  /**
   * Lets time pass up to `to` (wall clock) without yielding: every timer due by then fires, in
   * order, each seeing its own time. For code that reacts to timers synchronously (the scheduler,
   * in `orchestrate simulate`), where advance's settling of promises between timers is not needed.
   */
  runUntil(to: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || this.current + (next.due - this.elapsed) > to) break;
      this.timers.shift();
      this.current += next.due - this.elapsed;
      this.elapsed = next.due;
      next.fn();
    }
    this.elapsed += Math.max(0, to - this.current);
    this.current = Math.max(this.current, to);
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
