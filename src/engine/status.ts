/**
 * `orchestrate status` (the systemctl list-timers of orchestrate): every task and workflow with
 * its schedule, next fire (past the fires its weekday and date rules will skip), last run, running
 * runs and pause. In the daemon from its own scheduler and lanes; in any other process from the
 * store, which the daemon keeps current. Kept apart from the runtime so that the command loads
 * the config, the store and the schedule code, not the engine that runs things.
 */
import { isWorkflow, type TaskSpec, type WorkflowSpec } from "../config/model.js";
import { skippedAhead } from "../run/skip.js";
import { nextFireAfter } from "../schedule/trigger.js";
import type { RunStore } from "../store/contract.js";
import type { RunRecord } from "../store/types.js";
import type { PlannedJob } from "./status-plan.js";

/** A job as the daemon holds it, or as its status plan keeps it (engine/status-plan.ts). */
type Job = TaskSpec | WorkflowSpec | PlannedJob;

function kindOf(job: Job): "task" | "workflow" {
  if ("steps" in job) return isWorkflow(job) ? "workflow" : "task";
  return "kind" in job && job.kind === "workflow" ? "workflow" : "task";
}

export interface JobStatus {
  name: string;
  kind: "task" | "workflow";
  description: string | null;
  /** The trigger in words. */
  schedule: string;
  timezone: string;
  nextFireAt: string | null;
  paused: boolean;
  /** Its runs going now. */
  running: number[];
  lastRun: RunRecord | null;
}

/** What the daemon knows first-hand; without it, the store says. */
export interface LiveView {
  /** The scheduler's next slot of the job. */
  nextFire(job: Job): number | null;
  paused(job: Job): boolean;
  running(job: Job): number[];
}

export async function jobStatuses(jobs: Job[], store: RunStore, nowMs: number, live?: LiveView): Promise<JobStatus[]> {
  // Schedules in words (cronstrue) are loaded when asked for: a daemon may never be.
  const { describeTrigger } = await import("../schedule/describe.js");
  const lastSlots = live ? null : await store.lastSlots();
  const paused = live ? null : await store.pausedTasks();
  const running = live ? null : await store.history({ status: "running", limit: 10_000 });
  return Promise.all(
    jobs.map(async (job) => {
      const [last] = await store.history({ task: job.name, limit: 1 });
      const first = live ? live.nextFire(job) : firstFireFrom(job, nowMs, lastSlots!.get(job.name) ?? null);
      const next = first === null ? null : nextUnskipped(job, first);
      return {
        name: job.name,
        kind: kindOf(job),
        description: job.description,
        schedule: describeTrigger(job.trigger, job.timezone, job.name),
        timezone: job.timezone,
        nextFireAt: next === null ? null : new Date(next).toISOString(),
        paused: paused ? paused.has(job.name) : live!.paused(job),
        running: running ? running.filter((r) => r.task === job.name).map((r) => r.id) : live!.running(job),
        lastRun: last ?? null,
      } satisfies JobStatus;
    }),
  );
}

/**
 * The next fire of a job seen from outside the daemon: `every` continues from the last slot the
 * daemon handled (its rhythm is anchored there), and `delay`/@reboot count from a start not seen.
 */
function firstFireFrom(job: Job, now: number, lastSlot: number | null): number | null {
  const trigger = job.trigger;
  if (trigger === null || trigger.kind === "reboot" || trigger.kind === "delay") return null;
  if (trigger.kind === "every") {
    if (lastSlot === null) return null;
    return lastSlot + Math.max(1, Math.ceil((now - lastSlot) / trigger.intervalMs)) * trigger.intervalMs;
  }
  return nextFireAfter(trigger, job.timezone, now, now);
}

/** From `first` on, the first fire its weekday and date rules do not skip (looking a year ahead at most). */
export function nextUnskipped(job: Job, first: number): number | null {
  let at: number | null = first;
  const limit = first + 366 * 86_400_000;
  for (let i = 0; at !== null && at <= limit && i < 100_000; i++) {
    if (!skippedAhead(job.skip, new Date(at), job.timezone)) return at;
    at = job.trigger ? nextFireAfter(job.trigger, job.timezone, at, first) : null;
  }
  return null;
}
