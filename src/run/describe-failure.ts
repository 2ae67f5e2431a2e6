import { formatDuration } from "../time/duration.js";
import type { ProcessOutcome } from "./executor.js";

/**
 * Why a process counts as failed, in the words a run's `error` shows; null when it succeeded
 * (SPEC §4: exit 0 is success; any other code, a signal or a timeout is failure).
 */
export function describeFailure(o: ProcessOutcome, timeoutMs: number | null): string | null {
  if (o.spawnError !== null) return o.spawnError;
  // A timed-out script usually dies of our SIGTERM: the timeout is the cause worth reporting.
  if (o.timedOut) return `timed out after ${formatDuration(timeoutMs ?? o.durationMs)} (process group terminated)`;
  if (o.cancelled) return "cancelled";
  if (o.signal !== null) return `killed by signal ${o.signal}`;
  if (o.exitCode !== 0) return `exited with code ${o.exitCode ?? "unknown"}`;
  return null;
}
