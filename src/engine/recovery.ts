/**
 * What a daemon that died left behind, put right at the next start: each run it left `running`
 * becomes `interrupted`, and the scripts still going for it are stopped before their task may run
 * again, so a `forbid` task never runs beside its own survivor.
 */

import type { EventBus } from "../events/bus.js";
import { endGroups, findRunGroups } from "../run/orphans.js";
import type { RunWriter } from "../run/task-run.js";
import type { RunStore } from "../store/contract.js";
import type { Clock } from "../time/clock.js";
import { DEFAULT_KILL_GRACE_MS } from "../config/model.js";
import { hasRetries } from "./cluster.js";
import type { Job, RunLauncher } from "./launcher.js";

export const INTERRUPTED_REASON = "the daemon stopped while this run was going";

export interface RecoveryDeps {
  store: Pick<RunStore, "orphanedRuns">;
  /** In a cluster: runs again, on this node, the fire of a dead node's run whose task has retries. */
  retry?: (job: Job, slotMs: number, trigger: "schedule" | "catch_up") => void;
  /** Why the runs were interrupted (default: the daemon stopped). */
  reason?: string;
  writer: RunWriter;
  launcher: RunLauncher;
  bus: EventBus;
  clock: Clock;
  jobs: Map<string, Job>;
}

export async function recoverOrphanedRuns({ store, writer, launcher, bus, clock, jobs, retry, reason = INTERRUPTED_REASON }: RecoveryDeps): Promise<void> {
  const now = clock.now();
  const at = new Date(now).toISOString();
  for (const run of await store.orphanedRuns(now)) {
    const invocations = run.invocations.map((inv) => (inv.status === "running" ? { ...inv, status: "interrupted" as const, finishedAt: at } : inv));
    // A workflow's steps that were going are interrupted with it; the finished ones stay as they were.
    const steps = run.steps.map((step) => (step.status === "running" ? { ...step, status: "interrupted" as const, finishedAt: at } : step));
    void writer.submit({ kind: "update", id: run.id, patch: { status: "interrupted", finishedAt: at, error: run.error ?? reason, invocations, steps } });
    bus.emit("run.interrupted", { runId: run.id, task: run.task, at });
    const job = jobs.get(run.task);
    if (retry && job && run.scheduledAt && (run.trigger === "schedule" || run.trigger === "catch_up") && hasRetries(job, run.attempts)) {
      retry(job, Date.parse(run.scheduledAt), run.trigger);
    }

    const groups = findRunGroups(run.id, run.task);
    if (groups.length === 0) continue;
    const task = jobs.get(run.task);
    const graceMs = task?.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    bus.emit("log", {
      level: "warn",
      task: run.task,
      runId: run.id,
      message: `its scripts outlived the daemon that started them (process group ${groups.join(", ")}); stopping them`,
    });
    const gone = endGroups(groups, graceMs);
    if (task) launcher.holdFor(task, run, gone);
  }
}
