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
  if (p.name.startsWith("env.")) return ctx.env[p.name.slice(4)] ?? "";
  const [, step = "", key = ""] = /^steps\.(.+)\.([A-Za-z0-9_]+)$/.exec(p.name) ?? [];
  return ctx.steps?.[step]?.[key] ?? "";
}

const TOKEN = /yyyy|yy|MM|dd|HH|mm|ss|SSS|EEE|'[^']*'/g;

/**
 * Formats a date in a timezone with the tokens users know from date-fns/Java:
 * yyyy yy MM dd HH mm ss SSS EEE, and 'quoted' literals.
 */
export function formatDate(date: Date, format: string, timezone: string): string {
  const parts = zonedParts(date, timezone);
  return format.replace(TOKEN, (token) => {
    switch (token) {
      case "yyyy":
        return parts.year;
      case "yy":
        return parts.year.slice(-2);
      case "MM":
        return parts.month;
      case "dd":
        return parts.day;
      case "HH":
        return parts.hour;
      case "mm":
        return parts.minute;
      case "ss":
        return parts.second;
      case "SSS":
        return String(date.getUTCMilliseconds()).padStart(3, "0");
      case "EEE":
        return parts.weekday;
      default:
        return token.slice(1, -1);
    }
  });
}

export interface ZonedParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  weekday: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar fields of an instant as seen on a wall clock in `timezone`. */
export function zonedParts(date: Date, timezone: string): ZonedParts {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timezone, formatter);
  }
  const fields: Record<string, string> = {};
  for (const part of formatter.formatToParts(date)) fields[part.type] = part.value;
  return {
    year: fields.year!.padStart(4, "0"),
    month: fields.month!,
    day: fields.day!,
    hour: fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
    weekday: fields.weekday!,
  };
}
