/**
 * The next fire time of any trigger. The scheduler, `next`, `explain` and `simulate` all read fire
 * times through these two functions, so what they show is what the daemon does.
 */
import type { Trigger } from "./types.js";
import { nextCronFire } from "./cron.js";

/**
 * The first fire strictly after `afterMs`, or null if the trigger has no more.
 * `anchorMs` is where an `every` rhythm starts (its first fire) and what a `delay` counts from:
 * the daemon's start, or for `every` the last slot fired before a restart.
 */
export function nextFireAfter(trigger: Trigger, timezone: string, afterMs: number, anchorMs: number): number | null {
  switch (trigger.kind) {
    case "cron":
      return nextCronFire(trigger.expression, timezone, afterMs);
    case "every":
      return nextEvery(trigger.intervalMs, afterMs, anchorMs);
    case "at":
      return trigger.atMs > afterMs ? trigger.atMs : null;
    case "delay": {
      const at = anchorMs + trigger.delayMs;
      return at > afterMs ? at : null;
    }
    case "reboot":
      return null; // once per daemon start, fired by the scheduler's start()
  }
}

/** anchor + k·interval (k ≥ 0): computed from the anchor, never from the last run, so it never drifts. */
function nextEvery(intervalMs: number, afterMs: number, anchorMs: number): number | null {
  if (!(intervalMs > 0)) return null; // config rejects it; a zero interval would otherwise spin the loop
  if (afterMs < anchorMs) return anchorMs;
  return anchorMs + (Math.floor((afterMs - anchorMs) / intervalMs) + 1) * intervalMs;
}

/** The next `n` fires strictly after `fromMs`, in order. */
export function upcomingFires(trigger: Trigger, timezone: string, fromMs: number, n: number, anchorMs: number): number[] {
  const fires: number[] = [];
  let cursor = fromMs;
  while (fires.length < n) {
    const next = nextFireAfter(trigger, timezone, cursor, anchorMs);
    if (next === null) break;
    fires.push(next);
    cursor = next;
  }
  return fires;
}
