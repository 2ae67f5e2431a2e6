/**
 * The processes of a run whose daemon died (SIGKILL, OOM, power cut while others survived): its
 * scripts run in process groups of their own, so they outlive it. They are found by the
 * environment every script of the run was started with — ORCHESTRATE_RUN_ID and ORCHESTRATE_TASK —
 * which an unrelated process that happens to reuse a pid does not have.
 */
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { ProcessGroup } from "./process-group.js";

/** The process groups holding a process started for run `runId` of `task` (Linux /proc; none elsewhere). */
export function findRunGroups(runId: number, task: string): number[] {
  const markers = [`ORCHESTRATE_RUN_ID=${runId}`, `ORCHESTRATE_TASK=${task}`];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const groups = new Set<number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (!markers.every((marker) => environ.includes(marker))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z" && state !== "X") groups.add(Number(pgrp));
    } catch {
      // Gone meanwhile, or another user's process we may not read: not ours either way.
    }
  }
  return [...groups];
}

/** SIGTERM to each group, SIGKILL after `graceMs`; resolves when none of them has a process left. */
export async function endGroups(pgids: number[], graceMs: number): Promise<void> {
  const groups = pgids.map((pgid) => new ProcessGroup(pgid));
  for (const group of groups) group.terminate(graceMs);
  for (let wait = 20; groups.some((group) => group.isAlive()); wait = Math.min(wait * 2, 200)) await delay(wait);
  for (const group of groups) group.release();
}
