/**
 * `orchestrate simulate`: every fire the daemon would make in a window, found by running the
 * daemon's own scheduler (src/schedule/scheduler.ts) on a clock that only moves when told — DST
 * days, `every` rhythms and one-shots exactly as the daemon would see them, as if it started at
 * the window's start. Fires the weekday and date rules will skip are marked.
 */
import { isWorkflow, type TaskSpec, type WorkflowSpec } from "../config/model.js";
import { skippedAhead } from "../run/skip.js";
import { Scheduler } from "../schedule/scheduler.js";
import type { Fire } from "../schedule/types.js";
import { ManualClock } from "../time/clock.js";

export interface SimulatedFire {
  task: string;
  kind: "task" | "workflow";
  /** The scheduled instant, ISO 8601 UTC. */
  at: string;
  timezone: string;
  /** Why the fire will be recorded as skipped (weekday and date rules only), or null. */
  skip: string | null;
  /** Up to this much later (`jitter:`), at random. */
  jitterMs: number;
}

/** At most this many fires are simulated: a per-second task over a year would be 31 million. */
export const MAX_SIMULATED_FIRES = 100_000;

export function simulateFires(jobs: Array<TaskSpec | WorkflowSpec>, fromMs: number, toMs: number): { fires: SimulatedFire[]; truncated: boolean } {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const clock = new ManualClock(fromMs);
  const fires: SimulatedFire[] = [];
  let truncated = false;
  const scheduler = new Scheduler({
    clock,
    // The jitter a fire gets is drawn at random when it comes; here each fire is shown at its slot.
    random: () => 0,
    // Nothing jumps on this clock: no need to wake up and look at it every 30 seconds.
    maxTimerMs: Number.POSITIVE_INFINITY,
    tasks: jobs.flatMap((job) =>
      job.trigger === null
        ? []
        : [{ name: job.name, trigger: job.trigger, timezone: job.timezone, jitterMs: 0, catchUp: job.catchUp, catchUpWindowMs: job.catchUpWindowMs }],
    ),
    onFire: (fire: Fire) => {
      if (fires.length >= MAX_SIMULATED_FIRES) {
        truncated = true;
        return scheduler.stop();
      }
      const job = byName.get(fire.task)!;
      fires.push({
        task: job.name,
        kind: isWorkflow(job) ? "workflow" : "task",
        at: new Date(fire.slotMs).toISOString(),
        timezone: job.timezone,
        skip: skippedAhead(job.skip, new Date(fire.slotMs), job.timezone),
        jitterMs: job.jitterMs,
      });
    },
  });
  scheduler.start();
  clock.runUntil(toMs);
  scheduler.stop();
  return { fires: fires.filter((f) => Date.parse(f.at) <= toMs), truncated };
}
