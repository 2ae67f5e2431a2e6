/** A run's status as a coloured badge with its word (colour alone is not enough), and the strip of recent runs. */
import { memo } from "preact/compat";
import type { RunBrief, RunStatus } from "../api.js";
import { duration, durationMs, shortTime } from "../format.js";

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <span class={`badge status-${status}`} data-status={status}>{status}</span>;
}

/**
 * The last runs, oldest on the left, one cell each, linking to the run. Drawn again only when the
 * runs change, not on every tick of the clock: 100 tasks make 3,000 cells.
 */
export const RunStrip = memo(Strip, (before, after) => before.runs === after.runs && before.task === after.task);

function Strip({ runs, task, nowMs }: { runs: RunBrief[]; task: string; nowMs: number }) {
  const oldestFirst = [...runs].reverse();
  return (
    <ol class="strip" aria-label={`last ${runs.length} runs of ${task}, oldest first`}>
      {oldestFirst.map((run) => {
        const label = `run ${run.id}: ${run.status}, ${shortTime(run.startedAt ?? run.scheduledAt)}, ${duration(durationMs(run.startedAt, run.finishedAt, nowMs))}`;
        return (
          <li key={run.id}>
            <a class={`cell status-${run.status}`} data-status={run.status} href={`#/runs/${run.id}`} title={label} aria-label={label} />
          </li>
        );
      })}
    </ol>
  );
}
