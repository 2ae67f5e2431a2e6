/**
 * The event journal's writer: run state changes on the bus, appended to the store, so that
 * notifications, a resumable event stream, `logs -f` and other nodes read one durable stream. The
 * bus stays the fan-out inside the process; the journal is what outlives it.
 */
import type { NewJournalEvent } from "../store/types.js";
import type { EventBus } from "./bus.js";
import type { OrchestratorEventName, OrchestratorEvents } from "./types.js";

/** Run and step state changes, and the daemon's starts and stops; not output lines (the run's record keeps their tail) nor log lines. */
export const JOURNALED = [
  "run.started",
  "run.retrying",
  "run.succeeded",
  "run.failed",
  "run.skipped",
  "run.cancelled",
  "run.interrupted",
  "run.missed",
  "run.late",
  "run.message",
  "step.started",
  "step.succeeded",
  "step.failed",
  "step.skipped",
  "step.cancelled",
  "step.retrying",
  "step.rollback",
  // When the daemon was up: \`orchestrate why\` tells downtime from a clock jump by them.
  "daemon.started",
  "daemon.stopping",
] as const satisfies readonly OrchestratorEventName[];

/** Listens on `bus` and hands each run event to `append` (the recorder); returns the unsubscriber. */
export function attachJournal(bus: EventBus, nodeId: string, append: (event: NewJournalEvent) => void): () => void {
  let counter = 0;
  const offs = JOURNALED.map((type) =>
    bus.on(type, (event: OrchestratorEvents[typeof type]) => {
      const { task = null, runId = null } = event as { task?: string; runId?: number | null };
      append({ id: `${nodeId}/${++counter}`, type, at: event.at, task, runId, data: journalData(event) });
    }),
  );
  return () => offs.forEach((off) => off());
}

/** The event as stored: a finished run's summary instead of its whole record (the record is in the store). */
function journalData(event: object): Record<string, unknown> {
  const { run, ...rest } = event as { run?: { status: string; attempts: number; exitCode: number | null; error: string | null; startedAt: string | null; finishedAt: string | null } };
  if (!run) return rest;
  return { ...rest, status: run.status, attempts: run.attempts, exitCode: run.exitCode, error: run.error, startedAt: run.startedAt, finishedAt: run.finishedAt };
}
