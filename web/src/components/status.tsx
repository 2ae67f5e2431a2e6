/** A run's status as a coloured badge with its word (colour alone is not enough), and the strip of recent runs. */
import { Component } from "preact";
import type { RunBrief, RunStatus } from "../api.js";
import { duration, durationMs, shortTime } from "../format.js";

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <span class={`badge status-${status}`} data-status={status}>{status}</span>;
}

/**
 * The last runs, oldest on the left, one cell each, linking to the run. Drawn again only when the
 * runs change, not on every tick of the clock: 100 tasks make 3,000 cells.
 */
export class RunStrip extends Component<StripProps> {
  override shouldComponentUpdate(next: StripProps): boolean {
    return next.runs !== this.props.runs || next.task !== this.props.task;
  }

  render(props: StripProps) {
    return <Strip {...props} />;
  }
}

interface StripProps {
  runs: RunBrief[];
  task: string;
  nowMs: number;
}

function Strip({ runs, task, nowMs }: StripProps) {
  const oldestFirst = [...runs].reverse();
  // A group of bare links, not a list of items: half the elements, and 100 tasks make 3,000 cells.
  // The title is both the tooltip and, with no text inside, the link's accessible name.
  return (
    <div class="strip" role="group" aria-label={`last ${runs.length} runs of ${task}, oldest first`}>
      {oldestFirst.map((run) => (
        <a
          key={run.id}
          class={`cell status-${run.status}`}
          data-status={run.status}
          href={`#/runs/${run.id}`}
          title={`run ${run.id}: ${run.status}, ${shortTime(run.startedAt ?? run.scheduledAt)}, ${duration(durationMs(run.startedAt, run.finishedAt, nowMs))}`}
        />
      ))}
    </div>
  );
}
