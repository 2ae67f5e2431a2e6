import { existsSync } from "node:fs";
import type { Command } from "commander";
import { StoreNotFoundError } from "../../store/open.js";
import type { RunRecord, RunStatus } from "../../store/types.js";
import { formatDuration } from "../../time/duration.js";
import { storeForReading, UserError } from "../context.js";
import { isoUtc, padTable } from "../format.js";
import { positiveInt } from "./options.js";

const STATUSES: RunStatus[] = ["pending", "running", "succeeded", "failed", "skipped", "cancelled", "interrupted", "missed"];

interface HistoryOptions {
  status?: string;
  limit: number;
  json?: boolean;
}

export function registerHistory(program: Command): void {
  program
    .command("history [task]")
    .description("past and pending runs, newest first")
    .option("--status <status>", `only runs with this status (${STATUSES.join(", ")})`)
    .option("--limit <n>", "at most this many runs", positiveInt, 20)
    .option("--json", "print the runs as a JSON array")
    .action(async (task: string | undefined, options: HistoryOptions, command: Command) => {
      if (options.status && !STATUSES.includes(options.status as RunStatus)) {
        throw new UserError(`--status "${options.status}" is not a status: use one of ${STATUSES.join(", ")}`, 2);
      }
      const configGiven = task !== undefined && looksLikeConfigFile(task);
      const notATask = () => new UserError(`"${task}" is a configuration file, not a task name: use orchestrate history -c ${task} [TASK]`, 2);
      let store;
      try {
        store = await storeForReading(command);
      } catch (error) {
        if (!(error instanceof StoreNotFoundError)) throw error;
        if (configGiven) throw notATask();
        process.stdout.write(options.json ? "[]\n" : `no runs recorded yet (${error.message})\n`);
        return;
      }
      try {
        const runs = await store.history({ task, status: options.status as RunStatus | undefined, limit: options.limit });
        if (runs.length === 0 && configGiven) throw notATask();
        if (options.json) {
          process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
          return;
        }
        if (runs.length === 0) {
          const anyRun = (await store.history({ limit: 1 })).length > 0;
          const filters = [task !== undefined && `task ${task}`, options.status && `status ${options.status}`].filter(Boolean).join(", ");
          process.stdout.write(anyRun ? `no runs match (${filters})\n` : "no runs recorded yet\n");
          return;
        }
        // Paused tasks first: a task that has not run for a while may just be paused.
        const paused = [...(await store.pausedTasks())].filter((name) => task === undefined || name === task);
        if (paused.length > 0) process.stdout.write(`paused: ${paused.join(", ")} (orchestrate resume NAME)\n`);
        const rows = [["ID", "TASK", "TRIGGER", "STATUS", "SCHEDULED", "DURATION", "RESULT"], ...runs.map(historyRow)];
        process.stdout.write(padTable(rows) + "\n");
      } finally {
        await store.close();
      }
    });
}

/** Task names may hold dots: only a YAML file that is there, and that no run is recorded under, is taken for one. */
function looksLikeConfigFile(name: string): boolean {
  return /\.ya?ml$/i.test(name) && existsSync(name);
}

function historyRow(run: RunRecord): string[] {
  const duration =
    run.startedAt && run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : run.status === "running" ? "…" : "-";
  return [String(run.id), run.task, run.trigger, run.status, run.scheduledAt ? isoUtc(Date.parse(run.scheduledAt)) : "-", duration, summary(run)];
}

function summary(run: RunRecord): string {
  const text = run.reason ?? run.error ?? (run.exitCode !== null ? `exit ${run.exitCode}` : run.http?.status ? `HTTP ${run.http.status}` : "");
  const attempts = run.attempts > 1 ? ` (${run.attempts} attempts)` : "";
  const line = (text + attempts).split("\n")[0]!;
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
