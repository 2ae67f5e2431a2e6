/**
 * Timeline: the last 24 hours (or 6, or 1) as a Gantt chart, one row per task. Runs that overlap
 * are drawn in separate lanes of their row, so an overlap shows as stacked bars and a gap as empty track.
 */
import { api, type RunSummary } from "../api.js";
import { duration, durationMs, shortTime } from "../format.js";
import { useLoad, useNow, useTaskNames } from "../hooks.js";
import { useLiveReload } from "../live.js";

const HOUR = 3_600_000;
/** The windows offered, each with its grid step and how many steps between labels. */
export const WINDOWS = {
  24: { stepMs: HOUR, labelEvery: 3 },
  6: { stepMs: 15 * 60_000, labelEvery: 4 },
  1: { stepMs: 5 * 60_000, labelEvery: 3 },
} as const;
export type WindowHours = keyof typeof WINDOWS;
/** A day of an every-second task is 86,400 runs: the chart shows this many, the newest. */
const MAX_RUNS = 5_000;
const PAGE = 1_000;
const LABEL_W = 150;
const CHART_W = 900;
/** Room right of the chart for the last hour's label. */
const RIGHT_PAD = 30;
const LANE_H = 14;
const ROW_PAD = 6;
const AXIS_H = 22;

async function runsSince(sinceMs: number): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  let before: number | undefined;
  do {
    const page = await api.runs({ since: new Date(sinceMs).toISOString(), before, limit: PAGE });
    runs.push(...page.runs);
    before = page.next ?? undefined;
  } while (before !== undefined && runs.length < MAX_RUNS);
  return runs;
}

export function TimelinePage({ hours }: { hours: WindowHours }) {
  const taskNames = useTaskNames();
  const windowMs = hours * HOUR;
  const { stepMs, labelEvery } = WINDOWS[hours];
  const now = useNow(hours === 1 ? 5_000 : 30_000);
  const runs = useLoad(() => runsSince(Date.now() - windowMs), `timeline-${hours}`);
  useLiveReload(runs.reload, (e) => e.type.startsWith("run."), 2_000);
  const start = now - windowMs;
  const x = (ms: number) => LABEL_W + ((Math.min(Math.max(ms, start), now) - start) / windowMs) * CHART_W;
  const byTask = new Map<string, RunSummary[]>(taskNames.map((name) => [name, []]));
  for (const run of runs.data ?? []) {
    if (!run.startedAt) continue;
    const list = byTask.get(run.task) ?? [];
    list.push(run);
    byTask.set(run.task, list);
  }
  const rows = [...byTask.entries()].map(([task, list]) => ({ task, lanes: intoLanes(list, now) }));
  let y = AXIS_H;
  const placed = rows.map((row) => {
    const top = y;
    const height = Math.max(1, row.lanes.length) * LANE_H + ROW_PAD * 2;
    y += height;
    return { ...row, top, height };
  });
  const height = y + 4;
  const ticks = Array.from({ length: Math.round(windowMs / stepMs) + 1 }, (_, i) => start + i * stepMs);
  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">Timeline</h1>
      <nav class="windows" aria-label="time window">
        {(Object.keys(WINDOWS) as unknown as WindowHours[]).map((h) => (
          <a key={h} href={`#/timeline?hours=${h}`} aria-current={Number(h) === hours ? "page" : undefined}>
            {h} h
          </a>
        ))}
      </nav>
      <p class="muted">
        The last {hours === 1 ? "hour" : `${hours} hours`}, {shortTime(new Date(start).toISOString())} to {shortTime(new Date(now).toISOString())}.
        {(runs.data?.length ?? 0) >= MAX_RUNS && ` Only the newest ${MAX_RUNS.toLocaleString()} runs are drawn.`}
      </p>
      {runs.error && <p class="error" role="alert">{runs.error}</p>}
      <div class="timeline-wrap">
        <svg class="timeline" viewBox={`0 0 ${LABEL_W + CHART_W + RIGHT_PAD} ${height}`} width={LABEL_W + CHART_W + RIGHT_PAD} height={height} role="img" aria-label={`runs of the last ${hours} hours per task`}>
          {ticks.map((h, i) => (
            <g key={h}>
              <line x1={x(h)} x2={x(h)} y1={AXIS_H - 4} y2={height} class={i % labelEvery === 0 ? "grid major" : "grid"} />
              {i % labelEvery === 0 && (
                <text x={x(h)} y={AXIS_H - 8} class="axis" text-anchor="middle">
                  {new Date(h).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}
                </text>
              )}
            </g>
          ))}
          {placed.map((row) => (
            <g key={row.task} data-task={row.task}>
              <rect x={0} y={row.top} width={LABEL_W + CHART_W} height={row.height} class="row-bg" />
              <text x={6} y={row.top + row.height / 2 + 4} class="row-label">
                {row.task.length > 20 ? `${row.task.slice(0, 19)}…` : row.task}
              </text>
              {row.lanes.flatMap((lane, l) =>
                lane.map((run) => {
                  const x1 = x(Date.parse(run.startedAt!));
                  const x2 = x(run.finishedAt ? Date.parse(run.finishedAt) : now);
                  return (
                    <a key={run.id} href={`#/runs/${run.id}`} aria-label={`run ${run.id} ${run.status}`}>
                      <rect x={x1} y={row.top + ROW_PAD + l * LANE_H + 1} width={Math.max(2, x2 - x1)} height={LANE_H - 2} rx="2" class={`bar status-${run.status}`} data-run={run.id}>
                        <title>{`#${run.id} ${run.task}: ${run.status}, ${shortTime(run.startedAt)}, ${duration(durationMs(run.startedAt, run.finishedAt, now))}`}</title>
                      </rect>
                    </a>
                  );
                }),
              )}
            </g>
          ))}
        </svg>
      </div>
    </section>
  );
}

/** Greedy interval packing: each run goes into the first lane whose last run ended before it began. */
function intoLanes(runs: RunSummary[], now: number): RunSummary[][] {
  const lanes: Array<{ end: number; runs: RunSummary[] }> = [];
  const sorted = [...runs].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!));
  for (const run of sorted) {
    const begin = Date.parse(run.startedAt!);
    const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
    const lane = lanes.find((l) => l.end <= begin);
    if (lane) {
      lane.end = end;
      lane.runs.push(run);
    } else lanes.push({ end, runs: [run] });
  }
  return lanes.map((l) => l.runs);
}
