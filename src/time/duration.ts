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

/** Milliseconds, or null when `input` is not a duration. */
export function parseDuration(input: string | number): number | null {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : null;
  const text = input.trim();
  if (!DURATION.test(text)) return null;
  if (SECONDS_ONLY.test(text)) return Math.round(Number(text) * 1000);
  const ms = parse(text, "ms");
  return ms === null ? null : Math.round(ms);
}

/** `1h30m`, `2s`, `1m5s`, `500ms`: the notation the config file uses, for messages and logs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
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
