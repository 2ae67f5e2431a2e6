import { formatDate } from "../time/date-format.js";

const formatted = new Map<string, string>();

/** "2026-11-23 02:30:00 CET" — a wall time in the task's zone with its abbreviation. */
export function formatInZone(ms: number, timezone: string): string {
  // `validate` of 10,000 tasks prints a few hundred distinct fire times: each is formatted once.
  const key = `${ms}\u0000${timezone}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const date = new Date(ms);
    text = `${formatDate(date, "yyyy-MM-dd HH:mm:ss", timezone)} ${zoneName(date, timezone)}`;
    formatted.set(key, text);
  }
  return text;
}

/** The zone's abbreviation (CET, EDT); locales know different ones, so ask a few before "GMT+1". */
function zoneName(date: Date, timezone: string): string {
  let fallback = timezone;
  for (const locale of ["en-US", "en-GB", "en-AU"]) {
    const part = zoneNameFormat(locale, timezone)
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName");
    if (part && !part.value.startsWith("GMT") && !part.value.startsWith("UTC+")) return part.value;
    if (part && fallback === timezone) fallback = part.value;
  }
  return fallback;
}

const zoneNameFormats = new Map<string, Intl.DateTimeFormat>();

/** Creating a formatter costs ~40 µs; `validate` of 10,000 tasks would make 30,000 of them. */
function zoneNameFormat(locale: string, timezone: string): Intl.DateTimeFormat {
  const key = `${locale}\u0000${timezone}`;
  let format = zoneNameFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: "short" });
    zoneNameFormats.set(key, format);
  }
  return format;
}

/** "2026-11-23T01:30:00Z": every time the CLI prints in UTC, to the second, in this one format. */
export function isoUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Parses --from/--at times: ISO 8601; without a zone, a time of day is read in the system's zone. */
export function parseTimeOption(value: string | undefined, nowMs: number): number | null {
  if (value === undefined || value === "now") return nowMs;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function padTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
