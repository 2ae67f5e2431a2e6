/**
 * The shape of croner's cron dialect, without croner: which field is which, what our layer
 * rewrites before croner sees an expression, and what surprises users coming from Vixie cron.
 */

/** Vixie cron's nicknames, each as the five fields it stands for. */
export const NICKNAME_FIELDS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
export const CRON_NICKNAMES: readonly string[] = Object.keys(NICKNAME_FIELDS);
export const REBOOT = "@reboot";

export interface FieldInfo {
  name: string;
  min: number;
  max: number;
}

export const SECOND: FieldInfo = { name: "second", min: 0, max: 59 };
export const MINUTE: FieldInfo = { name: "minute", min: 0, max: 59 };
export const HOUR: FieldInfo = { name: "hour", min: 0, max: 23 };
export const DAY_OF_MONTH: FieldInfo = { name: "day-of-month", min: 1, max: 31 };
export const MONTH: FieldInfo = { name: "month", min: 1, max: 12 };
export const DAY_OF_WEEK: FieldInfo = { name: "day-of-week", min: 0, max: 7 };
export const YEAR: FieldInfo = { name: "year", min: 1, max: 9999 };

/** The meaning of each field, by field count (croner: seconds first with 6 or 7, year last with 7). */
export function cronFields(count: number): FieldInfo[] | null {
  const five = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];
  if (count === 5) return five;
  if (count === 6) return [SECOND, ...five];
  if (count === 7) return [SECOND, ...five, YEAR];
  return null;
}

export function splitFields(expression: string): string[] {
  return expression.trim().split(/\s+/).filter((f) => f !== "");
}

export function isNickname(expression: string): boolean {
  return CRON_NICKNAMES.includes(expression.trim());
}

export function isReboot(expression: string): boolean {
  return expression.trim() === REBOOT;
}

/**
 * What croner is given. Vixie cron treats a job as fixed-time (DST: a skipped time runs after the
 * jump, a repeated time runs once) unless its minute or hour field starts with `*`. croner's
 * "no-wildcard" rule still treats a stepped range (`0 1-5/2 * * *`) as an interval job, so such
 * time fields are expanded to the equivalent list ("1,3,5"), which croner treats as fixed-time.
 */
export function normalise(expression: string): string {
  const text = expression.trim();
  if (text.startsWith("@")) return text;
  const fields = splitFields(text);
  const infos = cronFields(fields.length);
  if (!infos) return text;
  return fields
    .map((field, i) => {
      const info = infos[i] as FieldInfo;
      if (info === DAY_OF_WEEK) return mapDayItems(field, singleDayRange);
      const isTime = info === SECOND || info === MINUTE || info === HOUR;
      return isTime ? expandSteppedRanges(field, info) : field;
    })
    .join(" ");
}

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** 0-6 for a day name or number (7 is Sunday too), or null for anything else. */
export function dayNumber(text: string): number | null {
  const name = DAY_NAMES.indexOf(text.toLowerCase());
  if (name >= 0) return name;
  return /^[0-7]$/.test(text) ? Number(text) % 7 : null;
}

/** Each item of a day-of-week list through `map`, keeping the `+` that asks for AND. */
export function mapDayItems(field: string, map: (item: string) => string): string {
  const and = field.startsWith("+") ? "+" : "";
  return and + field.slice(and.length).split(",").map(map).join(",");
}

/**
 * `SUN-SUN` (or `MON-MON`) is that one day, as in Vixie cron: croner rewrites a range ending in
 * `sun` to end in 7, which makes `SUN-SUN` 0-7, every day.
 */
function singleDayRange(item: string): string {
  const match = /^([a-z]+|\d)-([a-z]+|\d)(?:\/\d+)?$/i.exec(item);
  if (!match) return item;
  const [from, to] = [dayNumber(match[1]!), dayNumber(match[2]!)];
  return from !== null && from === to ? match[1]! : item;
}

function expandSteppedRanges(field: string, info: FieldInfo): string {
  if (!field.includes("/") || field.includes("*") || field.includes("?")) return field;
  const parts = field.split(",").map((part) => {
    const match = /^(\d+)-(\d+)\/(\d+)$/.exec(part);
    if (!match) return part;
    const [from, to, step] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (step < 1 || from > to || from < info.min || to > info.max) return part; // leave it for croner to reject
    const values: number[] = [];
    for (let v = from; v <= to; v += step) values.push(v);
    return values.join(",");
  });
  return parts.join(",");
}

export function cronWarnings(expression: string): string[] {
  const text = expression.trim();
  if (text.startsWith("@")) return [];
  const fields = splitFields(text);
  const warnings: string[] = [];
  if (fields.length === 6) warnings.push("6 fields: the first is read as seconds (croner dialect), not minutes");
  if (fields.length === 7) warnings.push("7 fields: the first is read as seconds and the last as the year (croner dialect)");
  const infos = cronFields(fields.length);
  if (!infos) return warnings;
  const dom = fields[infos.indexOf(DAY_OF_MONTH)] as string;
  const dow = fields[infos.indexOf(DAY_OF_WEEK)] as string;
  const isAny = (f: string) => f === "*" || f === "?";
  if (!isAny(dom) && !isAny(dow) && !dow.startsWith("+")) {
    warnings.push("day-of-month and day-of-week are both restricted: runs when EITHER matches (Vixie cron OR); prefix day-of-week with + for AND");
    if (dom.startsWith("*") || dow.startsWith("*")) {
      warnings.push(`a day field starting with * ("${dom.startsWith("*") ? dom : dow}") makes Vixie cron require BOTH days to match; here EITHER is enough (prefix day-of-week with + for AND)`);
    }
  }
  if (fields.includes("?")) warnings.push('"?" means "*" (any value) here, not Quartz\'s "no specific value" nor the start time as in some crons');
  return warnings;
}

