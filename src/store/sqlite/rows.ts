import type { DeliveryRecord, JournalEvent, RunMessage, RunRecord } from "../types.js";

export interface RunRow {
  id: number;
  task: string;
  trigger: RunRecord["trigger"];
  status: RunRecord["status"];
  scheduled_at: string | null;
  due_ms: number | null;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  exit_code: number | null;
  error: string | null;
  reason: string | null;
  output: string;
  http: string | null;
  steps: string | null;
  invocations: string | null;
  one_off: string | null;
  daemon_id: string | null;
}

export function rowToRun(row: RunRow, messages: RunMessage[], notifications: DeliveryRecord[] = []): RunRecord {
  return {
    id: row.id,
    task: row.task,
    trigger: row.trigger,
    status: row.status,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    attempts: row.attempts,
    exitCode: row.exit_code,
    error: row.error,
    reason: row.reason,
    output: row.output,
    http: row.http ? JSON.parse(row.http) : null,
    steps: row.steps ? JSON.parse(row.steps) : [],
    invocations: row.invocations ? JSON.parse(row.invocations) : [],
    messages,
    notifications,
  };
}

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  at: string;
  task: string | null;
  run_id: number | null;
  data: string;
}

export function rowToEvent(row: EventRow): JournalEvent {
  return { seq: row.seq, id: row.id, type: row.type, at: row.at, task: row.task, runId: row.run_id, data: JSON.parse(row.data) };
}
