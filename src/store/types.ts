/**
 * What the run store records (SPEC §5): runs, their invocations and messages, one-off runs waiting
 * for their time, and the journal of events. The interfaces that read and write them are in
 * contract.ts.
 */
import type { OneOffSpec } from "../config/model.js";

export type { OneOffSpec };

export type RunStatus =
  | "pending"
  | "running"
  | "succeeded"
  | "failed"
  | "skipped"
  | "cancelled"
  | "interrupted"
  | "missed";

export type RunTrigger = "schedule" | "catch_up" | "manual" | "api" | "once";

export const FINISHED_STATUSES: readonly RunStatus[] = [
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
  "interrupted",
  "missed",
];

export interface HttpResult {
  status: number | null;
  headers: Record<string, string>;
  body: string;
}

export type InvocationStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

export interface InvocationRecord {
  /** 1-based position within the run. */
  index: number;
  /** The script path (as written), `command`, or the URL. */
  target: string;
  params: Array<[string, string]>;
  status: InvocationStatus;
  attempts: number;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  output: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a running script said about itself (`orchestrate report`, the Python `report()`). */
export interface RunMessage {
  at: string;
  status: RunStatus | null;
  message: string | null;
}

/** One notification of a run's event: sent (or not) to a webhook or a command. */
export interface DeliveryRecord {
  at: string;
  /** The event's name: run.started, run.failed … */
  event: string;
  /** The webhook URL (credentials masked) or the command. */
  destination: string;
  status: "delivered" | "failed";
  attempts: number;
  /** Why it failed, or the receiver's HTTP status. */
  detail: string | null;
}

/** What a step's rollback did. */
export interface RollbackRecord {
  status: RunStatus;
  attempts: number;
  exitCode: number | null;
  error: string | null;
  output: string;
  startedAt: string | null;
  finishedAt: string | null;
  invocations: InvocationRecord[];
}

/** One step of a workflow run. */
export interface StepRecord {
  name: string;
  dependsOn: string[];
  /** pending (not started yet), running, succeeded, failed, skipped, cancelled or interrupted. */
  status: RunStatus;
  attempts: number;
  exitCode: number | null;
  error: string | null;
  /** Why it was skipped: its own skip condition, or an upstream step that failed. */
  reason: string | null;
  output: string;
  /** The `key=value` lines it wrote to $ORCHESTRATE_OUTPUT (or a function step's return value). */
  outputs: Record<string, string>;
  startedAt: string | null;
  finishedAt: string | null;
  invocations: InvocationRecord[];
  rollback: RollbackRecord | null;
}

/** Exactly what `orchestrate show ID --json` prints. Times are ISO 8601 UTC. */
export interface RunRecord {
  id: number;
  task: string;
  trigger: RunTrigger;
  status: RunStatus;
  scheduledAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  exitCode: number | null;
  error: string | null;
  /** Why a run was skipped, or the gap a `missed` record covers. */
  reason: string | null;
  output: string;
  http: HttpResult | null;
  steps: StepRecord[];
  invocations: InvocationRecord[];
  messages: RunMessage[];
  /** Notifications of the run's events (webhooks, commands) and whether they were delivered. */
  notifications: DeliveryRecord[];
}

/** A one-off that is due, with what it is to do. */
export interface PendingRun {
  run: RunRecord;
  oneOff: OneOffSpec;
  dueMs: number;
}

/** A complete run record from the fields known when it is created. */
export function newRunRecord(run: Pick<RunRecord, "id" | "task" | "trigger" | "status"> & Partial<RunRecord>): RunRecord {
  return {
    scheduledAt: null,
    startedAt: null,
    finishedAt: null,
    attempts: 0,
    exitCode: null,
    error: null,
    reason: null,
    output: "",
    http: null,
    steps: [],
    invocations: [],
    messages: [],
    notifications: [],
    ...run,
  };
}

/** A one-off run (`orchestrate schedule`) as it is queued: pending until it is due. */
export interface NewPendingRun {
  task: string;
  /** Epoch ms it is due. */
  dueMs: number;
  oneOff: OneOffSpec;
}

export type RunPatch = Partial<
  Pick<
    RunRecord,
    | "status"
    | "scheduledAt"
    | "startedAt"
    | "finishedAt"
    | "attempts"
    | "exitCode"
    | "error"
    | "reason"
    | "output"
    | "http"
    | "steps"
    | "invocations"
  >
>;

export interface HistoryQuery {
  task?: string;
  status?: RunStatus;
  limit?: number;
  /** Only runs with a smaller id: the next page after the last one seen. */
  before?: number;
  /** Only runs recorded at or after this time (epoch ms). */
  sinceMs?: number;
  /** Only runs recorded before this time (epoch ms). */
  untilMs?: number;
}

/** A message a script reported, with the id the store gave it, for those who follow new ones. */
export interface StoredMessage {
  id: number;
  runId: number;
  message: RunMessage;
}

export interface Retention {
  keepRuns: number;
  keepDays: number;
  /** Journal events kept at most (the newest), besides keepDays. */
  keepEvents: number;
  nowMs: number;
}

/** One entry of the event journal: a run state change, durable, in the order it was appended. */
export interface JournalEvent {
  /** Assigned by the store when the event is appended; increasing, so a reader resumes after the last it saw. */
  seq: number;
  /** Unique, assigned by whoever emitted it. */
  id: string;
  /** The bus event's name: run.started, run.succeeded, ... */
  type: string;
  at: string;
  task: string | null;
  runId: number | null;
  data: Record<string, unknown>;
}

export type NewJournalEvent = Omit<JournalEvent, "seq">;

export interface EventQuery {
  /** Only events appended after this sequence number. */
  afterSeq?: number;
  runId?: number;
  /** Only events of these types (run.started, daemon.started, ...). */
  types?: string[];
  limit?: number;
}

/**
 * One change to the store. Writes go in batches, each batch one transaction, in order: the engine's
 * recorder queues them so that a slow or locked store never holds up a fire.
 */
export type WriteOp =
  | { kind: "create"; run: RunRecord }
  | { kind: "update"; id: number; patch: RunPatch }
  | { kind: "message"; id: number; message: RunMessage }
  | { kind: "slot"; task: string; slotMs: number }
  | { kind: "event"; event: NewJournalEvent }
  | { kind: "delivery"; id: number; delivery: DeliveryRecord };
