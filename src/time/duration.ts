/**
 * Durations as the config file writes them: `500ms`, `30s`, `5m`, `1h30m`, `2d`, `1w`, or a number
 * of seconds. The strict pattern comes first because parse-duration reads anything with a digit in
 * it ("5 minutes please" would be 5 minutes); it then does the arithmetic.
 */
import parse from "parse-duration";

const UNIT = "(?:ms|s|m|h|d|w)";
/** Also the JSON Schema pattern, so editors flag the same strings the loader rejects. */
export const DURATION_PATTERN = `^(?:\\d+(?:\\.\\d+)?${UNIT} ?)+$|^\\d+(?:\\.\\d+)?$`;
const DURATION = new RegExp(DURATION_PATTERN);
const SECONDS_ONLY = /^\d+(?:\.\d+)?$/;

export const DURATION_EXAMPLES = "500ms, 30s, 5m, 1h30m, 2d or a number of seconds";

/** The longest duration a setting may hold: a year is beyond any schedule, and far from overflowing anything. */
export const MAX_DURATION_MS = 365 * 86_400_000;
/** The shortest `every`: cron's finest field is a second, and a shorter interval is a busy loop that fills the store. */
export const MIN_INTERVAL_MS = 1_000;

/** Milliseconds, or null when `input` is not a duration. */
export function parseDuration(input: string | number): number | null {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : null;
  const text = input.trim();
  if (!DURATION.test(text)) return null;
  if (SECONDS_ONLY.test(text)) return Math.round(Number(text) * 1000);
  const ms = parse(text, "ms");
  return ms === null ? null : Math.round(ms);
}

/**
 * `1h30m`, `2s`, `1m5s`, `500ms`, `1.2s`: the notation the config file uses, for messages, logs and
 * tables. Tenths below ten seconds, where they are what a run's duration is about.
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000 && Math.round(ms / 100) % 10 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  const units: Array<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  let rest = Math.round(ms / 1000) * 1000;
  let text = "";
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}
