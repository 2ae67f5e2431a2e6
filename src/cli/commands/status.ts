import type { Command } from "commander";
import type { JobStatus } from "../../engine/status.js";
import type { PlannedJob } from "../../engine/status-plan.js";
import { formatDuration } from "../../time/duration.js";
import { configPath, stateOverride } from "../context.js";
import { formatInZone, padTable } from "../format.js";

/**
 * `orchestrate status`: every task and workflow with its next fire and its last run, the way
 * `systemctl list-timers` shows timers. Read-only: it opens the store to read, and never creates it.
 */
export function registerStatus(program: Command): void {
  program
    .command("status [config]")
    .description("every task and workflow: schedule, next fire, last run, running now, paused (like systemctl list-timers)")
    .option("--json", "print [{name, kind, schedule, timezone, nextFireAt, paused, running, lastRun}]")
    .action(async (file: string | undefined, options: { json?: boolean }, command: Command) => {
      // Not the engine: the config, the store and the schedule code are all status needs; and
      // not even the config's parser when the daemon left a plan of this very file.
      const [{ openStore, StoreNotFoundError }, { jobStatuses }] = await Promise.all([import("../../store/open.js"), import("../../engine/status.js")]);
      const path = configPath(command, file);
      const override = stateOverride(command);
      const planned = await plannedJobs(path, override);
      let jobs, state;
      if (planned) {
        ({ jobs, state } = planned);
      } else {
        const { loadConfigFile } = await import("../../config/load.js");
        const config = loadConfigFile(path, { stateOverride: override, checkFiles: false });
        jobs = [...config.tasks, ...config.workflows];
        state = config.state;
      }
      let store;
      try {
        store = openStore(state, { readOnly: true });
      } catch (error) {
        if (!(error instanceof StoreNotFoundError)) throw error;
        // No store yet: nothing has run; the schedule is still worth showing.
        store = openStore(":memory:");
      }
      try {
        const statuses = await jobStatuses(jobs, store, Date.now());
        process.stdout.write(options.json ? JSON.stringify(statuses, null, 2) + "\n" : table(statuses, Date.now()));
      } finally {
        await store.close();
      }
    });
}

/** The jobs and state from the status plan the daemon keeps beside its state, when it is of this config file. */
async function plannedJobs(path: string, override: string | undefined): Promise<{ jobs: PlannedJob[]; state: string } | null> {
  const [{ readFileSync }, { dirname, join, resolve }, { planPath, readStatusPlan }, { packageVersion }] = await Promise.all([
    import("node:fs"),
    import("node:path"),
    import("../../engine/status-plan.js"),
    import("../../util/version.js"),
  ]);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null; // the full load says what is wrong with the file
  }
  const state = override === undefined ? join(dirname(path), ".orchestrate", "state.db") : override.includes("://") ? override : resolve(override);
  const where = planPath(state);
  const plan = where === null ? null : readStatusPlan(where, text, packageVersion());
  return plan ? { jobs: plan.jobs, state: override === undefined ? plan.state : state } : null;
}

function table(jobs: JobStatus[], now: number): string {
  const rows = [["NEXT", "LEFT", "LAST", "RESULT", "TOOK", "TASK", "SCHEDULE"]];
  const at = (job: JobStatus) => (job.nextFireAt === null ? Number.POSITIVE_INFINITY : Date.parse(job.nextFireAt));
  const byNext = [...jobs].sort((a, b) => at(a) - at(b) || a.name.localeCompare(b.name));
  for (const job of byNext) {
    const next = job.nextFireAt === null ? null : Date.parse(job.nextFireAt);
    const last = job.lastRun;
    const started = last?.startedAt ?? last?.finishedAt ?? last?.scheduledAt ?? null;
    const took = last?.startedAt && last.finishedAt ? formatDuration(Date.parse(last.finishedAt) - Date.parse(last.startedAt)) : "-";
    const notes = [job.kind === "workflow" && "workflow", job.paused && "paused", job.running.length > 0 && `running: ${job.running.join(", ")}`].filter(Boolean);
    rows.push([
      next === null ? "-" : formatInZone(next, job.timezone),
      next === null ? "-" : formatDuration(Math.max(0, next - now)),
      started === null ? "-" : formatInZone(Date.parse(started), job.timezone),
      last ? last.status : "-",
      took,
      notes.length ? `${job.name} (${notes.join(", ")})` : job.name,
      job.schedule,
    ]);
  }
  const count = `${jobs.length} task(s) and workflow(s)`;
  return `${padTable(rows)}\n\n${count}\n`;
}
