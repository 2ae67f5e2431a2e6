/** Schedules in words, for `validate`, `next`, `explain` and logs. */
import cronstrue from "cronstrue";
import { zonedParts } from "../time/zones.js";
import type { Trigger } from "./types.js";
import { cronFields, dayNumber, isReboot, mapDayItems, NICKNAME_FIELDS, splitFields } from "./cron-dialect.js";
import { Lru } from "./lru.js";

const REBOOT_WORDS = "once at daemon start";

/** Thousands of tasks share a few expressions: cronstrue runs once for each. */
const descriptions = new Lru<string, string>(2048);

export function describeCron(expression: string): string {
  let words = descriptions.get(expression);
  if (words === undefined) {
    words = describeUncached(expression);
    descriptions.set(expression, words);
  }
  return words;
}

function describeUncached(expression: string): string {
  const text = expression.trim();
  if (isReboot(text)) return REBOOT_WORDS;
  const fields = splitFields(Object.hasOwn(NICKNAME_FIELDS, text) ? NICKNAME_FIELDS[text]! : text);
  const infos = cronFields(fields.length);
  if (!infos) return text;
  const domIndex = infos.findIndex((f) => f.name === "day-of-month");
  const dowIndex = infos.findIndex((f) => f.name === "day-of-week");
  // L and W in any case, as croner reads them; cronstrue knows them upper-case only.
  fields[domIndex] = fields[domIndex]!.toUpperCase();
  fields[dowIndex] = describableDays(fields[dowIndex]!);
  const dow = fields[dowIndex] as string;
  const and = dow.startsWith("+");
  if (and) fields[dowIndex] = dow.slice(1);
  const bothDays = !isAny(fields[domIndex] as string) && !isAny(fields[dowIndex] as string);
  try {
    const words = cronstrue.toString(fields.join(" "), {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
      logicalAndDayFields: and,
    });
    // cronstrue joins the two day fields with "and", but croner (like Vixie cron) runs when EITHER matches.
    if (!bothDays || and) return words;
    return words.includes(", and on ") ? words.replace(", and on ", ", or on ") : `${words} (when either the day of month or the weekday matches)`;
  } catch {
    return text;
  }
}

function isAny(field: string): boolean {
  return field === "*" || field === "?";
}

/**
 * A day-of-week field in the form cronstrue describes without saying "undefined" or echoing a
 * token: a list holding `*` is every day; days as numbers (`fri#l` → `5L`, `SUN-SUN` → `0`),
 * each once.
 */
function describableDays(field: string): string {
  const and = field.startsWith("+") ? "+" : "";
  const items = field.slice(and.length).split(",");
  if (items.includes("*") || items.includes("?")) return and + "*";
  const numbered = mapDayItems(items.join(","), (item) =>
    item
      .toUpperCase()
      .replace(/^([A-Z]{3}|\d)(?=$|[-#/L])/, (day) => String(dayNumber(day) ?? day))
      .replace(/-([A-Z]{3}|\d)(?=$|\/)/, (_, day: string) => `-${dayNumber(day) ?? day}`)
      .replace(/^(\d)-\1(?:\/\d+)?$/, "$1")
      .replace(/#L$/, "L"),
  );
  return and + [...new Set(numbered.split(","))].join(",");
}

/** `timezone` places a one-shot `at` in the task's zone; `taskName` completes the manual-trigger hint. */
export function describeTrigger(trigger: Trigger | null, timezone = "UTC", taskName = "NAME"): string {
  if (trigger === null) return `manual only (orchestrate trigger ${taskName})`;
  switch (trigger.kind) {
    case "cron":
      return lowerFirst(describeCron(trigger.expression));
    case "reboot":
      return REBOOT_WORDS;
    case "every":
      return `every ${describeDuration(trigger.intervalMs, true)}`;
    case "at":
      return `once at ${formatLocal(trigger.atMs, timezone)} (${timezone})`;
    case "delay":
      return trigger.delayMs <= 0 ? REBOOT_WORDS : `once, ${describeDuration(trigger.delayMs, false)} after the daemon starts`;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const UNITS: Array<[ms: number, name: string]> = [
  [86_400_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
  [1, "millisecond"],
];

/** The largest unit that divides the duration exactly: "30 seconds", "90 minutes", "2 days". */
export function describeDuration(ms: number, dropOne: boolean): string {
  const [unitMs, name] = UNITS.find(([unit]) => ms % unit === 0) ?? [1, "millisecond"];
  const count = ms / unitMs;
  if (count === 1) return dropOne ? name : `1 ${name}`;
  return `${count} ${name}s`;
}

/** "2026-12-01 09:00" in the zone, with seconds only when they are not zero. */
export function formatLocal(ms: number, timezone: string): string {
  const p = zonedParts(new Date(ms), timezone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${p.second === "00" ? "" : `:${p.second}`}`;
}
