import type { Command } from "commander";
import { StoreNotFoundError } from "../../store/open.js";
import type { RunRecord, StepRecord } from "../../store/types.js";
import { formatDuration } from "../../time/duration.js";
import { storeForReading, UserError } from "../context.js";
import { isoUtc } from "../format.js";

export function registerShow(program: Command): void {
  program
    .command("show <run-id>")
    .description("one run: status, attempts, exit code, error, output tail, HTTP result, steps")
    .option("--json", "print the run record as JSON")
    .action(async (idText: string, options: { json?: boolean }, command: Command) => {
      const id = Number(idText);
      if (!Number.isInteger(id) || id < 1) throw new UserError(`"${idText}" is not a run id: ids are whole numbers (see orchestrate history)`, 2);
      const store = await storeForReading(command).catch((error: unknown) => {
        throw error instanceof StoreNotFoundError ? new UserError(`no run ${id}: ${error.message}`) : error;
      });
      try {
        const run = await store.getRun(id);
        if (!run) throw new UserError(`no run ${id} in ${store.location}`);
        process.stdout.write(options.json ? JSON.stringify(run, null, 2) + "\n" : describeRun(run));
      } finally {
        await store.close();
      }
    });
}

/** The human view: what a person asking "what happened to run N?" wants first. */
export function describeRun(run: RunRecord): string {
  const lines = [`run ${run.id}  ${run.task}  ${headline(run)}`];
  const field = (name: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") lines.push(`  ${name.padEnd(11)}${value}`);
  };
  field("trigger", run.trigger);
  field("scheduled", time(run.scheduledAt));
  field("started", time(run.startedAt));
  field("finished", time(run.finishedAt));
  if (run.attempts > 0) field("attempts", run.attempts);
  field("exit code", run.exitCode);
  field("reason", run.reason);
  field("error", run.error);
  if (run.http) field("http", `${run.http.status ?? "no response"}${run.http.headers["content-type"] ? ` (${run.http.headers["content-type"]})` : ""}`);
  for (const inv of run.invocations) {
    const params = inv.params.map(([k, v]) => `--${k} ${JSON.stringify(v)}`).join(" ");
    lines.push(`  #${inv.index} ${inv.target}${params ? ` ${params}` : ""}: ${inv.status}${inv.attempts > 1 ? ` after ${inv.attempts} attempts` : ""}${inv.error ? ` (${inv.error})` : ""}`);
  }
  if (run.steps.length > 0) lines.push("  steps:", ...describeSteps(run.steps));
  for (const message of run.messages) lines.push(`  message ${time(message.at)}: ${[message.status, message.message].filter(Boolean).join(" — ")}`);
  for (const n of run.notifications) {
    const how = n.status === "delivered" ? `delivered (${n.detail})` : `not delivered after ${n.attempts} attempt(s): ${n.detail}`;
    lines.push(`  notified  ${n.event} to ${n.destination}: ${how}`);
  }
  const body = run.http?.body || run.output;
  if (body) lines.push(run.http ? "  body (tail):" : "  output (tail):", ...body.trimEnd().split("\n").map((l) => `    ${l}`));
  return lines.join("\n") + "\n";
}

function headline(run: RunRecord): string {
  if (run.status === "pending") return `not run yet (due at ${time(run.scheduledAt)})`;
  if (run.status === "running") return `running since ${time(run.startedAt)}`;
  return run.status;
}

/** Times as history and next print them; `show --json` keeps the milliseconds. */
function time(iso: string | null): string | null {
  return iso === null ? null : isoUtc(Date.parse(iso));
}

const MARKS: Record<string, string> = {
  succeeded: "✓",
  failed: "✗",
  skipped: "-",
  running: "…",
  pending: "·",
  cancelled: "!",
  interrupted: "!",
};

/**
 * A workflow's DAG as text: the steps in dependency order (each after the ones it depends on),
 * each with its status, duration, what it waited for, why it was skipped, and its rollback.
 */
export function describeSteps(steps: StepRecord[]): string[] {
  const width = Math.max(...steps.map((s) => s.name.length));
  const lines: string[] = [];
  for (const step of dependencyOrder(steps)) {
    const duration = step.startedAt && step.finishedAt ? formatDuration(Date.parse(step.finishedAt) - Date.parse(step.startedAt)) : "";
    const after = step.dependsOn.length ? `after ${step.dependsOn.join(", ")}` : "";
    const detail = [
      step.attempts > 1 ? `${step.attempts} attempts` : "",
      step.status === "skipped" ? step.reason ?? "" : "",
      step.status === "failed" || step.status === "cancelled" || step.status === "interrupted" ? step.error ?? "" : "",
      Object.keys(step.outputs).length ? `outputs ${Object.entries(step.outputs).map(([k, v]) => `${k}=${v}`).join(" ")}` : "",
    ].filter(Boolean);
    lines.push(`    ${MARKS[step.status] ?? "?"} ${step.name.padEnd(width)}  ${step.status.padEnd(11)} ${duration.padEnd(7)} ${after}${detail.length ? `  (${detail.join("; ")})` : ""}`.trimEnd());
    if (step.rollback) {
      const r = step.rollback;
      const took = r.startedAt && r.finishedAt ? ` ${formatDuration(Date.parse(r.finishedAt) - Date.parse(r.startedAt))}` : "";
      lines.push(`      ↩ rollback ${r.status}${took}${r.attempts > 1 ? `, ${r.attempts} attempts` : ""}${r.error ? ` (${r.error})` : ""}`);
    }
  }
  return lines;
}

/** Steps ordered so that each comes after every step it depends on; ties keep the written order. */
function dependencyOrder(steps: StepRecord[]): StepRecord[] {
  const placed = new Set<string>();
  const ordered: StepRecord[] = [];
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.name) && s.dependsOn.every((d) => placed.has(d))) ?? steps.find((s) => !placed.has(s.name))!;
    placed.add(next.name);
    ordered.push(next);
  }
  return ordered;
}
