/**
 * The run store: the only record of what ran (SPEC §5). The interface is async so that a
 * PostgreSQL store shared by several daemons can sit behind it; the embedded SQLite store is the
 * default.
 */

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

export interface RunMessage {
  at: string;
  status: RunStatus | null;
  message: string | null;
}

export interface StepRecord {
  name: string;
  status: RunStatus;
  attempts: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
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
}

/** What a one-off run (`orchestrate schedule`) does: call a URL, or run a script. */
export type OneOffSpec =
  | { kind: "http"; url: string }
  | { kind: "script"; path: string; type: string; params: Array<[string, string]> };

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
    ...run,
  };
}

export interface NewRun {
  task: string;
  /** Epoch ms a pending one-off is due. */
  dueMs?: number | null;
  trigger: RunTrigger;
  status: RunStatus;
  scheduledAt: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  reason?: string | null;
  oneOff?: OneOffSpec | null;
}

export type RunPatch = Partial<
  Pick<
    RunRecord,
    | "status"
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
}

export interface Retention {
  keepRuns: number;
  keepDays: number;
  nowMs: number;
}

export interface DaemonIdentity {
  daemonId: string;
  pid: number;
  host: string;
  startedAt: string;
}

/** Thrown when another live daemon already runs on the same store. */
export class StoreLockedError extends Error {
  constructor(readonly holder: DaemonIdentity) {
    super(
      `another orchestrate daemon (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) is running on this state store; stop it first or use a different --state`,
    );
  }
}

/**
 * One change to the store. Writes go in batches, each batch one transaction, in order: the engine's
 * recorder queues them so that a slow or locked store never holds up a fire.
 */
export type WriteOp =
  | { kind: "create"; run: RunRecord }
  | { kind: "update"; id: number; patch: RunPatch }
  | { kind: "message"; id: number; message: RunMessage }
  | { kind: "slot"; task: string; slotMs: number };

export interface RunStore {
  /** Where the state lives, for messages. */
  readonly location: string;
  /** Creates a run with the next id and returns it (for one-off callers; the daemon reserves ids). */
  createRun(run: NewRun): Promise<number>;
  /** Reserves `count` consecutive run ids that no other process will use; returns the first. */
  reserveRunIds(count: number): Promise<number>;
  /** Applies writes in order, all or none. */
  applyWrites(ops: WriteOp[]): Promise<void>;
  getRun(id: number): Promise<RunRecord | null>;
  history(query: HistoryQuery): Promise<RunRecord[]>;

  /** Each task's last handled fire slot, so restarts neither repeat nor forget fires. */
  lastSlots(): Promise<Map<string, number>>;

  /** Takes the daemon lock or throws StoreLockedError naming the live holder. */
  acquireDaemonLock(me: DaemonIdentity): Promise<void>;
  releaseDaemonLock(daemonId: string): Promise<void>;
  /** Runs left `running` by a process that is gone become `interrupted`; returns their ids. */
  interruptOrphanedRuns(finishedAt: string): Promise<number[]>;

  /** One-off runs (`orchestrate schedule`) due at or before nowMs, oldest first. */
  duePendingRuns(nowMs: number): Promise<PendingRun[]>;
  /** The earliest due time of a pending one-off, or null. */
  nextPendingDueMs(): Promise<number | null>;
  /** Marks a pending run as started, unless someone else got it first. */
  claimPendingRun(id: number, startedAt: string): Promise<boolean>;
  /**
   * Calls `onChange` (soon, possibly more than once) when another process may have written, so the
   * daemon need not poll; returns a function that stops watching, or null if the store cannot tell.
   */
  watchChanges(onChange: () => void): (() => void) | null;

  /** Deletes finished runs beyond the retention limits; returns how many. */
  prune(retention: Retention): Promise<number>;
  /**
   * How long one write may wait for another process's lock. A daemon sets it short once started:
   * its recorder retries, and an embedded store that waits blocks the whole process.
   */
  setLockWait(ms: number): void;
  close(): Promise<void>;
}
