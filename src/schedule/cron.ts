/**
 * The cron dialect: the only module that talks to croner. It checks expressions (naming the
 * failing field), warns about dialect surprises, and computes fire times on demand.
 *
 * Memory: croner keeps a 10,000-entry year array in every parsed pattern (~80 KB), so a live Cron
 * object per task would cost ~880 MB for 10,000 tasks. Parsed patterns live only in a small LRU
 * cache, paused and never started; tasks keep nothing but numbers.
 */
import { Cron, CronPattern, type CronOptions } from "croner";
import { CRON_NICKNAMES, DAY_OF_WEEK, MONTH, REBOOT, cronFields, isNickname, isReboot, normalise, splitFields, type FieldInfo } from "./cron-dialect.js";
import { isValidTimezone } from "../time/zones.js";
import { Lru } from "./lru.js";

export { CRON_NICKNAMES, REBOOT, cronWarnings, isNickname, isReboot } from "./cron-dialect.js";

/** Vixie cron's DST rule: any time field without a wildcard or step is a fixed time (see normalise). OR for the day fields. */
const CRONER_OPTIONS = { fixedTimeRule: "no-wildcard", domAndDow: false, mode: "auto" } as const;

const validity = new Lru<string, string | null>(4096);

/**
 * null when valid; otherwise one message naming the failing field. `nowMs` only decides whether
 * a year-restricted expression still has a fire ahead; it defaults to now because validation
 * happens at the edge (loading a config, `explain`), never inside the timer loop.
 */
export function checkCronExpression(expression: string, timezone?: string, nowMs: number = Date.now()): string | null {
  // Only a year field makes the answer depend on the instant: then it is part of the key.
  const key = `${expression}\u0000${timezone ?? ""}${splitFields(expression).length === 7 ? `\u0000${nowMs}` : ""}`;
  if (validity.has(key)) return validity.get(key) ?? null;
  const problem = findProblem(expression, timezone, nowMs);
  validity.set(key, problem);
  return problem;
}

function findProblem(expression: string, timezone: string | undefined, nowMs: number): string | null {
  if (timezone !== undefined && !isValidTimezone(timezone)) return `unknown timezone "${timezone}"`;
  const text = expression.trim();
  if (text === "") return "cron expression is empty";
  if (text.startsWith("@")) return checkNickname(text);
  const fields = splitFields(text);
  const infos = cronFields(fields.length);
  if (!infos) {
    return `"${text}" has ${fields.length} field${fields.length === 1 ? "" : "s"}: expected 5 (minute hour day-of-month month day-of-week), 6 with seconds first, or 7 with a year last`;
  }
  const zone = timezone ?? "UTC";
  try {
    cronFor(text, zone); // parsed once, and cached for the scheduler's first use
  } catch (error) {
    return describeFieldError(fields, infos, error);
  }
  if (nextCronFire(text, zone, nowMs) === null) return neverFires(text, fields, nowMs);
  return null;
}

function checkNickname(text: string): string | null {
  if (isNickname(text) || isReboot(text)) return null;
  const lower = text.toLowerCase();
  if (isNickname(lower) || isReboot(lower)) return `nickname "${text}" must be written in lower case: "${lower}"`;
  return `unknown nickname "${text}": use one of ${[...CRON_NICKNAMES, REBOOT].join(" ")}`;
}

/**
 * croner only says "Invalid value for hour: 25" (and off by one for months), so each field is
 * parsed alone, with wildcards around it, to find which one fails and say why in the user's terms.
 */
function describeFieldError(fields: string[], infos: FieldInfo[], error: unknown): string {
  for (let i = 0; i < fields.length; i++) {
    const alone = fields.map((f, j) => (j === i ? f : "*")).join(" ");
    try {
      new CronPattern(normalise(alone), undefined, CRONER_OPTIONS);
    } catch (fieldError) {
      return fieldMessage(infos[i] as FieldInfo, fields[i] as string, messageOf(fieldError));
    }
  }
  return `invalid cron expression "${fields.join(" ")}": ${messageOf(error)}`;
}

function fieldMessage(info: FieldInfo, text: string, cronerMessage: string): string {
  const field = `${info.name} field "${text}"`;
  if (/nth weekday out of range/.test(cronerMessage)) return `${field}: the number after # must be 1-5 (the nth weekday of the month)`;
  if (/Invalid value for|steps cannot be greater/.test(cronerMessage)) return `${field} is out of range ${info.min}-${info.max}`;
  if (/From value is larger/.test(cronerMessage)) return `${field} is a range that runs backwards${wrapAround(text, info)}`;
  if (/illegal stepping: 0/.test(cronerMessage)) return `${field} has a step of 0`;
  if (/numeric prefix|missing prefix/.test(cronerMessage)) return `${field}: a step needs * or a range before the slash (e.g. */5 or 10-50/5)`;
  if (/only allowed in day-of-week|W\) only allowed|W is not allowed/.test(cronerMessage)) return `${field}: ${stripPrefix(cronerMessage)}`;
  if (/illegal characters|is not a number|\(NaN\)|has to stand alone|illegal range|illegal nth/.test(cronerMessage)) {
    if (info === DAY_OF_WEEK) return `${field} is not a day name or number`;
    if (info === MONTH) return `${field} is not a month name or number`;
    return `${field} is not a number, range (a-b), list (a,b) or step (*/n)`;
  }
  return `${field}: ${stripPrefix(cronerMessage)}`;
}

/** Vixie cron rejects "22-2" too; suggest the two ranges the user most likely meant. */
function wrapAround(text: string, info: FieldInfo): string {
  const match = /^(\d+)-(\d+)$/.exec(text);
  return match ? ` (write "${match[1]}-${info.max},${info.min}-${match[2]}")` : "";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stripPrefix(message: string): string {
  return message.replace(/^Cron\w*: /, "");
}

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const LONGEST_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Explains the common cases (a day no chosen month has, a year in the past); otherwise just says so. */
function neverFires(text: string, fields: string[], nowMs: number): string {
  const pattern = new CronPattern(normalise(text), undefined, CRONER_OPTIONS);
  const days = indexesOf(pattern.day).map((d) => d + 1);
  const months = indexesOf(pattern.month);
  const onlyDaysOfMonth = pattern.starDOW || pattern.useAndLogic;
  const plainDays = !pattern.lastDayOfMonth && !pattern.lastWeekday && !pattern.nearestWeekdays.some(Boolean);
  if (onlyDaysOfMonth && plainDays && days.length > 0 && months.length > 0) {
    const firstDay = Math.min(...days);
    if (months.every((m) => (LONGEST_MONTH[m] as number) < firstDay)) {
      const names = months.map((m) => MONTH_NAMES[m] as string);
      const subject = names.length === 1 ? `${names[0]} never has` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} never have`;
      return `"${text}" never fires (${subject} a ${ordinal(firstDay)})`;
    }
  }
  if (fields.length === 7) {
    const lastYear = Math.max(...indexesOf(pattern.year));
    if (lastYear < new Date(nowMs).getUTCFullYear()) return `"${text}" never fires (year field "${fields[6]}" is in the past)`;
  }
  return `"${text}" never fires`;
}

function indexesOf(values: number[]): number[] {
  const found: number[] = [];
  values.forEach((v, i) => {
    if (v) found.push(i);
  });
  return found;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

const parsed = new Lru<string, Cron>(64);

/** A paused, never-started Cron for reading fire times; created on demand, evicted when cold. */
function cronFor(expression: string, timezone: string): Cron {
  const key = `${expression}\u0000${timezone}`;
  let cron = parsed.get(key);
  if (!cron) {
    // UTC has no rules to look up: a fixed offset spares the time zone database (~6 MB of ICU data a daemon would otherwise map in).
    const zone: CronOptions = UTC_ZONES.has(timezone) ? { utcOffset: 0 } : { timezone };
    const options: CronOptions = { ...CRONER_OPTIONS, paused: true, ...zone };
    cron = new Cron(normalise(expression), options);
    releaseYearTable(cron);
    parsed.set(key, cron);
  }
  return cron;
}

/** The IANA names of UTC itself (links included), which never change offset. */
const UTC_ZONES = new Set(["UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich"]);

const NO_YEARS: number[] = [];

/**
 * croner reads a pattern's 10,000-entry year table only when the year field is restricted
 * (every read is guarded by `!starYear`; checked against croner 11.0.1). Dropping it at once
 * makes a cached Cron ~3 KB instead of ~83 KB, and lets the table die young instead of being
 * promoted with it (10,000 distinct expressions armed: ~105 MB RSS instead of ~130 MB).
 */
function releaseYearTable(cron: Cron): void {
  const pattern = (cron as unknown as { _states?: { pattern?: CronPattern } })._states?.pattern;
  if (pattern instanceof CronPattern && pattern.starYear) pattern.year = NO_YEARS;
}

/** Many tasks share an expression and are armed at the same instant; this makes that one computation. */
const nextFires = new Lru<string, number | null>(2048);

/** The first fire strictly after `afterMs`, or null if there is none. `@reboot` never has one. */
export function nextCronFire(expression: string, timezone: string, afterMs: number): number | null {
  const key = `${expression}\u0000${timezone}\u0000${afterMs}`;
  if (nextFires.has(key)) return nextFires.get(key) ?? null;
  const first = cronFiresAfter(expression, timezone, afterMs).next();
  const result = first.value ?? null;
  nextFires.set(key, result);
  return result;
}

/** Fire times strictly after `afterMs`, in order, computed lazily (for counting missed slots). */
export function* cronFiresAfter(expression: string, timezone: string, afterMs: number): Generator<number, void> {
  if (isReboot(expression)) return;
  const cron = cronFor(expression, timezone);
  let cursor = afterMs;
  for (;;) {
    // croner reads whole seconds and answers strictly after that second; the guard keeps "strictly after afterMs".
    const next = cron.nextRun(new Date(cursor))?.getTime() ?? null;
    if (next === null) return;
    if (next > cursor) yield next;
    cursor = Math.max(next, cursor + 1);
  }
}

/** Enough fires to meet a schedule's shortest gap: a weekday's 24 h beside its weekend, February among the months. */
const GAP_SAMPLE = 32;
const shortestGaps = new Lru<string, number | null>(1024);

/**
 * The shortest time between two of the next fires after `afterMs`, or null with fewer than two:
 * a jitter must stay below it, or a fire would land after the next one and run out of order.
 */
export function shortestCronGapMs(expression: string, timezone: string, afterMs: number): number | null {
  const key = `${expression}\u0000${timezone}`;
  if (shortestGaps.has(key)) return shortestGaps.get(key) ?? null;
  let shortest: number | null = null;
  let previous: number | null = null;
  let count = 0;
  for (const fire of cronFiresAfter(expression, timezone, afterMs)) {
    if (previous !== null) shortest = Math.min(shortest ?? Infinity, fire - previous);
    previous = fire;
    if (++count >= GAP_SAMPLE) break;
  }
  shortestGaps.set(key, shortest);
  return shortest;
}
