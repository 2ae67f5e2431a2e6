/**
 * Runs: the history, newest first, filtered by task, status and time, a page at a time. Paging
 * follows the API's cursor (`before`: the last id seen), never an offset, so the thousandth page
 * costs what the first does. The filter and the cursor live in the URL: a view can be bookmarked,
 * and the browser's Back goes to the newer page.
 */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { StatusBadge } from "../components/status.js";
import { duration, durationMs, shortTime, STATUSES } from "../format.js";
import { useLoad, useNow, useTaskNames } from "../hooks.js";
import { useLiveReload } from "../live.js";
import { navigate } from "../router.js";

const PAGE = 50;

export interface RunsFilter {
  task?: string;
  status?: string;
  /** datetime-local values: the browser's zone. */
  since?: string;
  until?: string;
  before?: number;
  /** Runs per page (50 unless the URL says). */
  limit?: number;
}

const isoOf = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function RunsPage({ filter }: { filter: RunsFilter }) {
  const taskNames = useTaskNames();
  const key = JSON.stringify(filter);
  const runs = useLoad(() => api.runs({ task: filter.task, status: filter.status, since: isoOf(filter.since), until: isoOf(filter.until), before: filter.before, limit: filter.limit ?? PAGE }), key);
  const now = useNow();
  // New runs appear at the top of the first page; older pages do not change.
  useLiveReload(runs.reload, (e) => filter.before === undefined && e.type.startsWith("run.") && (!filter.task || e.task === filter.task));
  const go = (next: RunsFilter) => navigate("/runs", next as Record<string, string | number | undefined>);
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      {/* Keyed by the URL's filter: Back and links show their own filter, not the last one typed. */}
      <Filters key={key} filter={filter} taskNames={taskNames} onApply={go} />
      {runs.error && <p class="error" role="alert">{runs.error}</p>}
      <div class="table-wrap">
        <table class="runs">
          <caption class="sr-only">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Task</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {runs.data?.runs.map((run) => (
              <tr key={run.id} data-run={run.id} data-status={run.status}>
                <td>
                  <a href={`#/runs/${run.id}`}>#{run.id}</a>
                </td>
                <td>{run.task}</td>
                <td>
                  <StatusBadge status={run.status} />
                  {run.error && <div class="muted small clip">{run.error}</div>}
                  {!run.error && run.reason && <div class="muted small clip">{run.reason}</div>}
                </td>
                <td>{run.trigger}</td>
                <td>{shortTime(run.startedAt ?? run.scheduledAt)}</td>
                <td>{duration(durationMs(run.startedAt, run.finishedAt, now))}</td>
                <td>{run.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {runs.data && runs.data.runs.length === 0 && <p class="muted">No runs match.</p>}
      {!runs.data && !runs.error && <p class="muted">Loading…</p>}
      <nav class="pager" aria-label="pages of runs">
        {filter.before !== undefined && (
          <button type="button" onClick={() => go({ ...filter, before: undefined })}>
            ⇤ Newest
          </button>
        )}
        {runs.data?.next != null && (
          <button type="button" onClick={() => go({ ...filter, before: runs.data!.next! })}>
            Older →
          </button>
        )}
      </nav>
    </section>
  );
}

function Filters({ filter, taskNames, onApply }: { filter: RunsFilter; taskNames: string[]; onApply: (f: RunsFilter) => void }) {
  const [draft, setDraft] = useState<RunsFilter>(filter);
  const set = (field: keyof RunsFilter) => (e: Event) => setDraft({ ...draft, [field]: (e.target as HTMLInputElement).value || undefined });
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ ...draft, before: undefined });
      }}
    >
      <label>
        Task
        <select value={draft.task ?? ""} onChange={set("task")} name="task">
          <option value="">all</option>
          {[...new Set([...taskNames, ...(draft.task ? [draft.task] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select value={draft.status ?? ""} onChange={set("status")} name="status">
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" value={draft.since ?? ""} onChange={set("since")} name="since" />
      </label>
      <label>
        Until
        <input type="datetime-local" value={draft.until ?? ""} onChange={set("until")} name="until" />
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}
