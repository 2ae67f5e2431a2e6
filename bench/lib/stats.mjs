/** Order statistics. Percentiles are nearest-rank: p99 of 60 samples is the 60th, never an interpolation. */

export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summary(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : null,
  };
}

/** ours / baseline, or null when either is missing or the baseline is zero. */
export function ratio(ours, baseline) {
  if (ours == null || baseline == null || baseline === 0) return null;
  return ours / baseline;
}
