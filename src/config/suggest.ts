/** "Did you mean …?" for mistyped keys, enum values and timezones. */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("retires"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be a typo (about one edit per three letters). */
export function closest(input: string, candidates: Iterable<string>): string | null {
  const needle = input.toLowerCase();
  const limit = Math.max(1, Math.floor(needle.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}

let timezones: string[] | null = null;

/** A known zone close to `input`, or the one whose city part it names ("Berlin" → Europe/Berlin). */
export function suggestTimezone(input: string): string | null {
  // Node's list leaves out UTC, the zone people most often mean.
  timezones ??= ["UTC", ...Intl.supportedValuesOf("timeZone")];
  const city = input.toLowerCase().replace(/ /g, "_");
  const byCity = timezones.find((tz) => tz.toLowerCase().split("/").pop() === city);
  return byCity ?? closest(input, timezones);
}
