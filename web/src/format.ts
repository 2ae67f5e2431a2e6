/** Times and durations in words, for people. */
import type { RunStatus } from "./api.js";

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function relativeTime(iso: string, nowMs: number): string {
  const seconds = Math.round((Date.parse(iso) - nowMs) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86_400), "day");
}

/**
 * Making an Intl.DateTimeFormat costs far more than using one (a page of 100 tasks × 30 runs made
 * thousands): one per zone, made once.
 */
const zoned = new Map<string, Intl.DateTimeFormat>();
const short = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A time in a task's own zone, with the zone's abbreviation. */
export function zonedTime(iso: string, timeZone?: string): string {
  const key = timeZone ?? "";
  let format = zoned.get(key);
  if (!format) {
    try {
      // dateStyle/timeStyle cannot be combined with timeZoneName: the fields are spelt out.
      format = new Intl.DateTimeFormat(undefined, {
        timeZone,
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "numeric",
        minute: "2-digit",
        second: "2-digit",
        timeZoneName: "short",
      });
    } catch {
      return new Date(iso).toISOString();
    }
    zoned.set(key, format);
  }
  return format.format(new Date(iso));
}

export function shortTime(iso: string | null): string {
  return iso ? short.format(new Date(iso)) : "—";
}

export function durationMs(startedAt: string | null, finishedAt: string | null, nowMs: number): number | null {
  if (!startedAt) return null;
  return (finishedAt ? Date.parse(finishedAt) : nowMs) - Date.parse(startedAt);
}

export function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** Quotes an argv element as a shell would need it, for reading and copying. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export const STATUSES: RunStatus[] = ["pending", "running", "succeeded", "failed", "skipped", "cancelled", "interrupted", "missed"];
