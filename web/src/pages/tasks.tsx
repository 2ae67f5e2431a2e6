/** Tasks: every task and workflow, its schedule, next fire, last run and recent runs; trigger, pause, resume. */
import { useState } from "preact/hooks";
import { api, type TaskView } from "../api.js";
import { RunStrip, StatusBadge } from "../components/status.js";
import { duration, durationMs, relativeTime, zonedTime } from "../format.js";
import { useLoad, useNow } from "../hooks.js";
import { useLiveReload } from "../live.js";

export function TasksPage() {
  const tasks = useLoad(api.tasks, "tasks");
  const now = useNow();
  const [notice, setNotice] = useState<string | null>(null);
  useLiveReload(tasks.reload, (e) => e.type.startsWith("run."));
  const act = async (what: string, action: () => Promise<unknown>) => {
    try {
      const answer = (await action()) as { id?: number | null; status?: string };
      setNotice(answer && "status" in answer ? `${what}: ${answer.status}${answer.id ? ` (run ${answer.id})` : ""}` : `${what}: done`);
      tasks.reload();
    } catch (e) {
      setNotice(`${what} failed: ${(e as Error).message}`);
    }
  };
  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <p class="notice" role="status" aria-live="polite">{notice ?? ""}</p>
      {tasks.error && <p class="error" role="alert">{tasks.error}</p>}
      {!tasks.data && !tasks.error && <p class="muted">Loading…</p>}
      {tasks.data && tasks.data.length === 0 && <p class="muted">The configuration has no tasks.</p>}
      <ul class="tasks">
        {tasks.data?.map((task) => (
          <TaskCard key={task.name} task={task} now={now} act={act} />
        ))}
      </ul>
    </section>
  );
}

function TaskCard({ task, now, act }: { task: TaskView; now: number; act: (what: string, action: () => Promise<unknown>) => void }) {
  const last = task.lastRun;
  return (
    <li class="task" data-task={task.name}>
      <div class="task-head">
        <h2>
          <a href={`#/runs?task=${encodeURIComponent(task.name)}`}>{task.name}</a>
          {task.kind === "workflow" && <span class="tag">workflow</span>}
          {task.paused && <span class="tag paused">paused</span>}
          {task.running.length > 0 && <span class="tag running-tag">running</span>}
        </h2>
        <div class="actions">
          <button type="button" onClick={() => act(`Trigger ${task.name}`, () => api.trigger(task.name))} aria-label={`Run ${task.name} now`}>
            Run now
          </button>
          {task.paused ? (
            <button type="button" onClick={() => act(`Resume ${task.name}`, () => api.resume(task.name))} aria-label={`Resume ${task.name}`}>
              Resume
            </button>
          ) : (
            <button type="button" onClick={() => act(`Pause ${task.name}`, () => api.pause(task.name))} aria-label={`Pause ${task.name}`}>
              Pause
            </button>
          )}
        </div>
      </div>
      {task.description && <p class="muted">{task.description}</p>}
      <dl class="facts">
        <div>
          <dt>Schedule</dt>
          <dd>{task.schedule}</dd>
        </div>
        <div>
          <dt>Next fire</dt>
          <dd class="next-fire">
            {task.nextFireAt ? (
              <>
                <time dateTime={task.nextFireAt}>{relativeTime(task.nextFireAt, now)}</time>
                <span class="muted"> · {zonedTime(task.nextFireAt, task.timezone)}</span>
              </>
            ) : task.paused ? (
              "paused"
            ) : (
              "none scheduled"
            )}
          </dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd class="last-run">
            {last ? (
              <a href={`#/runs/${last.id}`}>
                <StatusBadge status={last.status} /> {duration(durationMs(last.startedAt, last.finishedAt, now))}
                {last.startedAt && <span class="muted"> · {relativeTime(last.startedAt, now)}</span>}
              </a>
            ) : (
              "never"
            )}
          </dd>
        </div>
      </dl>
      {task.recentRuns.length > 0 && <RunStrip runs={task.recentRuns} task={task.name} nowMs={now} />}
    </li>
  );
}
