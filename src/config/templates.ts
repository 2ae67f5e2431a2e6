import { dateFormatProblem, formatDate } from "../time/date-format.js";

/**
 * `{{ name }}` and `{{ name | date: FORMAT }}` in parameter values (SPEC §4). Parsing is shared by
 * validation (an unknown name is an error at load time, never an empty string at run time) and
 * expansion (per invocation).
 */

export interface TemplateContext {
  task: string;
  runId: number;
  attempt: number;
  scheduledAt: Date;
  timezone: string;
  env: Record<string, string | undefined>;
  steps?: Record<string, Record<string, string>>;
}

interface Placeholder {
  start: number;
  end: number;
  name: string;
  filter: { name: string; arg: string } | null;
}

const PLACEHOLDER = /\{\{\s*(.*?)\s*\}\}/g;
const SIMPLE_NAMES = new Set(["task", "run_id", "attempt", "scheduled_at"]);

function parse(value: string): { placeholders: Placeholder[]; errors: string[] } {
  const placeholders: Placeholder[] = [];
  const errors: string[] = [];
  for (const match of value.matchAll(PLACEHOLDER)) {
    const [whole, inner = ""] = match;
    const [namePart = "", ...filterParts] = inner.split("|");
    const name = namePart.trim();
    let filter: Placeholder["filter"] = null;
    if (filterParts.length > 0) {
      const filterText = filterParts.join("|").trim();
      const filterMatch = /^(\w+)\s*:\s*(.+)$/.exec(filterText);
      if (!filterMatch || filterMatch[1] !== "date") {
        errors.push(`unknown filter "${filterText}" in "${whole}": the only filter is "date: FORMAT", e.g. {{ scheduled_at | date: yyyy-MM-dd }}`);
        continue;
      }
      filter = { name: "date", arg: filterMatch[2]!.trim() };
    }
    placeholders.push({ start: match.index, end: match.index + whole.length, name, filter });
  }
  return { placeholders, errors };
}

function nameError(name: string): string | null {
  if (SIMPLE_NAMES.has(name)) return null;
  if (/^env\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
  if (/^steps\.[A-Za-z0-9][A-Za-z0-9_.-]*\.[A-Za-z0-9_]+$/.test(name)) return null;
  return `unknown template name "${name}": use task, run_id, attempt, scheduled_at, env.NAME or steps.STEP.KEY`;
}

/** Problems with the templates in one value; empty when it is fine. */
export function checkTemplate(value: string): string[] {
  const { placeholders, errors } = parse(value);
  for (const p of placeholders) {
    const error = nameError(p.name);
    if (error) errors.push(error);
    else if (p.filter && p.name !== "scheduled_at") errors.push(`the date filter applies only to scheduled_at, not "${p.name}"`);
    else if (p.filter) {
      const problem = dateFormatProblem(p.filter.arg);
      if (problem) errors.push(`in "${p.filter.arg}", ${problem}`);
    }
  }
  return errors;
}

export function hasTemplate(value: string): boolean {
  return value.includes("{{");
}

export function renderTemplate(value: string, ctx: TemplateContext): string {
  if (!hasTemplate(value)) return value;
  const { placeholders } = parse(value);
  let out = "";
  let cursor = 0;
  for (const p of placeholders) {
    out += value.slice(cursor, p.start) + resolve(p, ctx);
    cursor = p.end;
  }
  return out + value.slice(cursor);
}

function resolve(p: Placeholder, ctx: TemplateContext): string {
  switch (p.name) {
    case "task":
      return ctx.task;
    case "run_id":
      return String(ctx.runId);
    case "attempt":
      return String(ctx.attempt);
    case "scheduled_at":
      return p.filter ? formatDate(ctx.scheduledAt, p.filter.arg, ctx.timezone) : ctx.scheduledAt.toISOString();
  }
  // Own properties only: `env.constructor` is a variable that may be set, not Object's constructor.
  if (p.name.startsWith("env.")) return ownValue(ctx.env, p.name.slice(4)) ?? "";
  const [, step = "", key = ""] = /^steps\.(.+)\.([A-Za-z0-9_]+)$/.exec(p.name) ?? [];
  const outputs = ctx.steps ? ownValue(ctx.steps, step) : undefined;
  return (outputs && ownValue(outputs, key)) ?? "";
}

function ownValue<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
