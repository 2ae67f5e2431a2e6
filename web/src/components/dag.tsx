/**
 * A workflow run's steps as a graph: layered by depends_on (a step sits one layer right of its
 * deepest dependency), each box coloured by status with its duration, and a rollback, when one
 * ran, shown under its step.
 */
import type { RunRecord } from "../api.js";
import { duration, durationMs } from "../format.js";

type Step = RunRecord["steps"][number];

const BOX_W = 168;
const BOX_H = 52;
const ROLLBACK_H = 22;
const GAP_X = 56;
const GAP_Y = 22;
const PAD = 8;

/** Each step's layer: 0 for those without dependencies, else one past its deepest dependency. */
export function layers(steps: Step[]): Map<string, number> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const layer = new Map<string, number>();
  const visit = (name: string, path: Set<string>): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    // A cycle cannot pass validation; should one reach here, it is drawn flat rather than looping.
    if (path.has(name)) return 0;
    path.add(name);
    const deps = byName.get(name)?.dependsOn.filter((d) => byName.has(d)) ?? [];
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => visit(d, path)));
    path.delete(name);
    layer.set(name, value);
    return value;
  };
  for (const step of steps) visit(step.name, new Set());
  return layer;
}

export function Dag({ steps, nowMs }: { steps: Step[]; nowMs: number }) {
  const layerOf = layers(steps);
  const columns: Step[][] = [];
  for (const step of steps) (columns[layerOf.get(step.name)!] ??= []).push(step);
  const rowH = BOX_H + ROLLBACK_H + GAP_Y;
  const position = new Map<string, { x: number; y: number }>();
  columns.forEach((column, c) => column.forEach((step, r) => position.set(step.name, { x: PAD + c * (BOX_W + GAP_X), y: PAD + r * rowH })));
  const width = PAD * 2 + columns.length * BOX_W + Math.max(0, columns.length - 1) * GAP_X;
  const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * rowH - GAP_Y;
  return (
    <figure class="dag">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`workflow graph of ${steps.length} steps`}>
        <defs>
          <marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" class="edge-head" />
          </marker>
        </defs>
        {steps.flatMap((step) =>
          step.dependsOn
            .filter((d) => position.has(d))
            .map((dep) => {
              const from = position.get(dep)!;
              const to = position.get(step.name)!;
              const x1 = from.x + BOX_W;
              const y1 = from.y + BOX_H / 2;
              const x2 = to.x;
              const y2 = to.y + BOX_H / 2;
              const mid = (x1 + x2) / 2;
              return <path key={`${dep}->${step.name}`} class="edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} marker-end="url(#arrow)" />;
            }),
        )}
        {steps.map((step) => {
          const { x, y } = position.get(step.name)!;
          const took = duration(durationMs(step.startedAt, step.finishedAt, nowMs));
          return (
            <g key={step.name} class="step" data-step={step.name} data-status={step.status}>
              <title>{`${step.name}: ${step.status}${step.startedAt ? `, ${took}` : ""}${step.reason ? ` (${step.reason})` : ""}${step.error ? ` — ${step.error}` : ""}`}</title>
              <rect x={x} y={y} width={BOX_W} height={BOX_H} rx="6" class={`box status-${step.status}`} />
              <text x={x + 10} y={y + 20} class="step-name">{clip(step.name, 20)}</text>
              <text x={x + 10} y={y + 40} class="step-detail">{`${step.status}${step.startedAt ? ` · ${took}` : ""}`}</text>
              {step.rollback && (
                <g class="rollback" data-rollback={step.rollback.status}>
                  <rect x={x + 10} y={y + BOX_H + 2} width={BOX_W - 20} height={ROLLBACK_H - 4} rx="4" class={`box status-${step.rollback.status}`} />
                  <text x={x + 18} y={y + BOX_H + 15} class="step-detail">{`↺ rollback: ${step.rollback.status}`}</text>
                </g>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
