/**
 * The store contract: what the engine needs from wherever runs are recorded, in narrow pieces, so
 * that a second store (PostgreSQL, shared by several daemons) fills the same seams. Every method
 * is async, and every time is passed in by the caller: a store never reads the clock for a rule.
 * test/store-contract/ is the suite any store must pass.
 */
import type {
  EventQuery,
  HistoryQuery,
  StoredMessage,
  JournalEvent,
  NewPendingRun,
  PendingRun,
  Retention,
  RunRecord,
  WriteOp,
} from "./types.js";

export interface WriteOptions {
  /**
   * How long a write may wait for a lock another process holds, in ms (default: a few seconds).
   * A running daemon passes 0 and tries again later: an embedded store that waits stalls the
   * whole process, and with it every fire.
   */
  lockWaitMs?: number;
}

/** Run records, and the writes that change them. */
export interface RunRecords {
  /** Reserves `count` consecutive run ids that no other process will use; returns the first. */
  reserveRunIds(count: number, options?: WriteOptions): Promise<number>;
  /** Applies writes in order, all or none. */
  applyWrites(ops: WriteOp[], options?: WriteOptions): Promise<void>;
  /**
   * Whether an error from applyWrites may go away by itself (a lock, a full disk, a lost
   * connection), so the write should wait and be tried again; false only for a write the store can
   * never accept (a constraint it breaks).
   */
  isTransient(error: unknown): boolean;
  getRun(id: number): Promise<RunRecord | null>;
  /** Newest first. */
  history(query: HistoryQuery): Promise<RunRecord[]>;
  /** Deletes finished runs and journal events beyond the retention limits; returns how many runs. */
  prune(retention: Retention, options?: WriteOptions): Promise<number>;
}

export interface SlotClaim {
  task: string;
  slotMs: number;
}

/**
 * Which scheduled fires have been handled: a slot of a task fires once, on one node. A store shared
 * by several daemons answers claims itself; an exclusive store's one daemon decides them and
 * records its decisions as `slot` writes.
 */
export interface SlotClaims {
  /** Each task's newest claimed slot, so restarts neither repeat nor forget fires. */
  lastSlots(): Promise<Map<string, number>>;
  /** Claims each slot unless it, or a later slot of the same task, was claimed before; true where this caller won. */
  claimSlots(claims: SlotClaim[], options?: WriteOptions): Promise<boolean[]>;
}

/** A daemon, as the store knows it. */
export interface NodeIdentity {
  nodeId: string;
  pid: number;
  host: string;
  startedAt: string;
}

/** Thrown by an exclusive store when another live daemon already runs on it. */
export class StoreLockedError extends Error {
  constructor(readonly holder: NodeIdentity) {
    super(
      `another orchestrate daemon (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) is running on this state store; stop it first or use a different --state`,
    );
  }
}

/** Which daemons are alive, and the runs that one that died left behind. */
export interface Leases {
  /** Registers the daemon; an exclusive store throws StoreLockedError while another live one holds it. */
  acquireLease(node: NodeIdentity, nowMs: number): Promise<void>;
  renewLease(nodeId: string, nowMs: number): Promise<void>;
  releaseLease(nodeId: string): Promise<void>;
  /** Runs recorded `running` whose process is gone (a daemon killed mid-run), oldest first. */
  orphanedRuns(nowMs: number): Promise<RunRecord[]>;
}

/** One-off runs (`orchestrate schedule`), pending until they are due. */
export interface OneOffQueue {
  /** Queues a one-off and returns its run id. */
  addPendingRun(run: NewPendingRun, nowMs: number): Promise<number>;
  /** Pending one-offs due at or before nowMs, oldest first. */
  duePendingRuns(nowMs: number): Promise<PendingRun[]>;
  /** The earliest due time of a pending one-off, or null. */
  nextPendingDueMs(): Promise<number | null>;
  /** Marks a pending run as started by this process, unless someone else got it first. */
  claimPendingRun(id: number, startedAt: string, options?: WriteOptions): Promise<boolean>;
  /** Marks a pending run cancelled, unless it has started; true if it was still pending. */
  cancelPendingRun(id: number, finishedAt: string, reason: string): Promise<boolean>;
}

/** What people steer from outside the daemon: paused tasks, and messages scripts report. */
export interface Controls {
  /** Pauses or resumes a task (or workflow) by name; kept across restarts. */
  setPaused(task: string, paused: boolean): Promise<void>;
  pausedTasks(): Promise<Set<string>>;
  /** Messages added after the one with id `afterId` (0: all), oldest first. */
  messagesSince(afterId: number, limit?: number): Promise<StoredMessage[]>;
  /** The id of the newest message, so a follower starts after what is already there. */
  lastMessageId(): Promise<number>;
}

export interface ChangeFeed {
  /**
   * Calls `onChange` (soon, possibly more than once) when another process may have written, so a
   * daemon need not poll; returns a function that stops watching, or null if the store cannot tell.
   */
  watchChanges(onChange: () => void): (() => void) | null;
}

/** The durable stream of run events that notifications, live views and other nodes read. */
export interface EventJournal {
  /** Appended with `event` writes; read in sequence order. */
  readEvents(query: EventQuery): Promise<JournalEvent[]>;
}

/** A daemon of a cluster as the shared store knows it. */
export interface NodeRecord extends NodeIdentity {
  version: string;
  /** `run --label`: tasks with `nodes:` run only on nodes with one of theirs. */
  labels: string[];
  /** A hash of the configuration it runs: nodes whose hash differs run different files. */
  configHash: string;
  /** A daemon, or a process running one task by hand (`orchestrate trigger`), which fires nothing. */
  role: "daemon" | "trigger";
  heartbeatAt: string;
  /** Its last heartbeat is within the lease (and it did not stop). */
  alive: boolean;
}

export type NodeHeartbeat = Omit<NodeRecord, "heartbeatAt" | "alive">;

export interface FireClaim {
  task: string;
  slotMs: number;
  /** A scheduled fire, or the record of a gap of missed fires starting at slotMs. */
  kind: "fire" | "gap";
  nodeId: string;
}

export interface FireClaimResult {
  /** This caller claimed it: no other node will fire (or record) it. */
  won: boolean;
  /** Not claimed because the store's clock has not reached the slot: try again this much later. */
  earlyByMs: number;
}

/** Who holds a task's cluster-wide lane. */
export interface TaskHolder {
  nodeId: string;
  /** Its run, once it started one. */
  runId: number | null;
}

/**
 * What daemons sharing one store coordinate through it (the PostgreSQL store): a registry of
 * nodes with heartbeats, each fire claimed once, a task's lane held by one node at a time (for
 * `concurrency`), and requests to cancel a run another node runs. Its clock is the cluster's.
 */
export interface Cluster {
  /** A node silent this long is dead: its runs are interrupted, its lanes freed. */
  readonly leaseMs: number;
  /** Registers or refreshes a node; returns the store's clock (ms), against which nodes measure their skew. */
  heartbeat(node: NodeHeartbeat, nowMs: number): Promise<number>;
  /** A node stopping cleanly leaves the cluster at once (not after the lease). */
  leave(nodeId: string): Promise<void>;
  /** Every node the store knows, live ones first. */
  nodes(nowMs: number): Promise<NodeRecord[]>;
  /** Claims one fire (or gap) of a task for the whole cluster, never before the store's clock reaches its slot. */
  claimFire(claim: FireClaim): Promise<FireClaimResult>;
  /**
   * Claims past fires of a task that could not be claimed on time (the store was down), one by
   * one, serialised per task so that the first node to come back takes every slot it knows of;
   * returns the slots this node won, ascending.
   */
  claimLateFires(task: string, slotsMs: number[], nodeId: string): Promise<number[]>;
  /** Takes (or keeps) a task's lane for `nodeId` unless another live node holds it; returns the holder. */
  holdTask(task: string, nodeId: string, runId: number | null, nowMs: number): Promise<TaskHolder>;
  releaseTask(task: string, nodeId: string): Promise<void>;
  /** Asks whichever node runs `runId` to cancel it. */
  requestCancel(runId: number, reason: string, nowMs: number): Promise<void>;
  /** Cancel requests for runs `nodeId` runs; each is handed out once. */
  takeCancelRequests(nodeId: string): Promise<Array<{ runId: number; reason: string }>>;
}

export interface RunStore extends RunRecords, SlotClaims, Leases, OneOffQueue, Controls, ChangeFeed, EventJournal {
  /** Where the state lives, for messages (credentials masked). */
  readonly location: string;
  /** One daemon at a time (the embedded SQLite store); false when several may share it. */
  readonly exclusive: boolean;
  /** How daemons sharing the store coordinate; null for an exclusive store. */
  readonly cluster: Cluster | null;
  close(): Promise<void>;
}
