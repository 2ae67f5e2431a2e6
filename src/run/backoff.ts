/** Share of the nominal delay that jitter may take off. */
const JITTER = 0.2;

/**
 * The wait before retrying after failed attempt `failedAttempt` (1-based): `baseMs` doubled per
 * failure, capped at `maxMs`, minus up to 20% jitter.
 *
 * Why jitter only downwards: users read `retry_delay: 10s` as "about ten seconds later", so full
 * jitter (anywhere from 0) would retry a script at once, against whatever just failed it. Taking
 * up to 20% off still spreads out tasks that failed together (the same database outage) so they
 * do not retry in lockstep, keeps `retry_max_delay` a hard ceiling, and, unlike ±20% clamped at
 * the cap, does not pile every late retry onto exactly the cap.
 */
export function retryDelay(failedAttempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.max(0, maxMs);
  const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
  // 2 ** exponent is Infinity for huge attempt numbers, which the cap absorbs.
  const nominal = Math.min(cap, Math.max(0, baseMs) * 2 ** exponent);
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(1, Math.max(0, drawn)) : 0;
  return Math.round(nominal * (1 - JITTER * r));
}
