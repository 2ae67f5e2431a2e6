import type { Command } from "commander";
import type { RunRecord, RunStatus } from "../../store/types.js";
import { storeForReading, UserError } from "../context.js";
import { formatMs, padTable } from "../format.js";
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
      const store = await storeForReading(command);
      try {
        const runs = await store.history({ task, status: options.status as RunStatus | undefined, limit: options.limit });
        if (options.json) {
          process.stdout.write(JSON.stringify(runs, null, 2) + "\n");
          return;
        }
        if (runs.length === 0) {
          process.stdout.write("no runs recorded yet\n");
          return;
        }
        const rows = [["ID", "TASK", "TRIGGER", "STATUS", "SCHEDULED", "DURATION", "RESULT"], ...runs.map(historyRow)];
        process.stdout.write(padTable(rows) + "\n");
      } finally {
        await store.close();
      }
    });
}

function historyRow(run: RunRecord): string[] {
  const duration =
    run.startedAt && run.finishedAt ? formatMs(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : run.status === "running" ? "…" : "-";
  return [
    String(run.id),
    run.task,
    run.trigger,
    run.status,
    run.scheduledAt ? run.scheduledAt.replace(".000Z", "Z") : "-",
    duration,
    summary(run),
  ];
}

function summary(run: RunRecord): string {
  const text = run.reason ?? run.error ?? (run.exitCode !== null ? `exit ${run.exitCode}` : run.http?.status ? `HTTP ${run.http.status}` : "");
  const attempts = run.attempts > 1 ? ` (${run.attempts} attempts)` : "";
  const line = (text + attempts).split("\n")[0]!;
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
