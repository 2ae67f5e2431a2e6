/**
 * One daemon of a cluster: several `orchestrate run` sharing a PostgreSQL store. Every node keeps
 * its own timers; PostgreSQL decides, once, which node fires each slot, whose run holds a task's
 * lane, which node takes a dead node's runs. Nothing here elects a leader.
 *
 * - Each fire is claimed (task, slot) with a unique key, never before the database's clock has
 *   reached the slot, so a node whose clock runs ahead waits and a node behind fires late, never
 *   twice and never early.
 * - Fires spread: for each (task, slot) the live nodes are ranked by a hash of the three; the first
 *   claims at once, the next RANK_STEP_MS later (and wins only if the first did not: it is dead or
 *   slow), and so on. A node not eligible for the task (`nodes:` labels) never claims it.
 * - `concurrency` holds cluster-wide: a task's lane is held by one node at a time (task_holds); a
 *   fire claimed while another node's run holds it is skipped (forbid), waits (queue) or cancels it
 *   through the store (replace).
 * - Heartbeats every third of the lease; a node silent for the lease is dead: the first live node
 *   to look takes its running runs (interrupted), frees its lanes, and runs again those whose task
 *   has retries.
 * - The database going away: claims are retried until the fire is two seconds late; the fires that
 *   could not be claimed go by catch_up once it is back (a gap claimed once, as a fire is).
 */
import { createHash } from "node:crypto";
import { isWorkflow } from "../config/model.js";
import type { EventBus } from "../events/bus.js";
import { MAX_CATCH_UP_RUNS } from "../schedule/catch-up.js";
import type { Fire, MissedGap } from "../schedule/types.js";
import type { Cluster, NodeHeartbeat, NodeRecord, RunStore, TaskHolder } from "../store/contract.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { formatDuration } from "../time/duration.js";
import type { HeldElsewhere, Job, RunLauncher } from "./launcher.js";

/**
 * A fire whose claim fails because the store does not answer is tried again until it is this late;
 * then it is left to the task's catch_up, decided once the store is back (as after a downtime: a
 * blip runs the fire a little late, an outage follows catch_up).
 */
const CLAIM_RETRY_MS = 2_000;
/** How much later each next-ranked node tries to claim a fire its betters did not. */
export const RANK_STEP_MS = 250;
/** A clock further than this from the database's is warned about. */
const SKEW_WARN_MS = 1_000;
/** How often a fire waiting for another node's run (queue, replace) looks again, besides notifications. */
const HOLD_POLL_MS = 1_000;
/** How long a forbid fire waits for a lane another node holds before it is skipped. */
const FORBID_WAIT_MS = 1_000;
/** Fires of one task waiting for the cluster-wide lane (concurrency: queue), at most. */
const MAX_WAITING = 100;

export interface ClusterNodeOptions {
  cluster: Cluster;
  store: Pick<RunStore, "isTransient" | "orphanedRuns">;
  bus: EventBus;
  clock: Clock;
  launcher: RunLauncher;
  /** This node as the others see it. */
  node: NodeHeartbeat;
  jobs: () => Map<string, Job>;
  /** Marks a dead node's runs interrupted (and stops what of them runs on this host): engine/recovery.ts. */
  recover: (retry: (job: Job, slotMs: number, trigger: "schedule" | "catch_up") => void) => Promise<void>;
}

/** At most this many unclaimed fires of one task are remembered (the oldest are forgotten, and counted). */
const MAX_UNCLAIMED = 10_000;

export class ClusterNode {
  private live: NodeRecord[] = [];
  private heartbeatTimer: TimerHandle | null = null;
  private skewMs = 0;
  private skewWarned = false;
  private storeTrouble: string | null = null;
  /** Per task, the fires whose claim failed because the store did not answer, ascending. */
  private readonly unclaimed = new Map<string, number[]>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private stopped = false;

  constructor(private readonly options: ClusterNodeOptions) {}

  get nodeId(): string {
    return this.options.node.nodeId;
  }

  /** Registers this node and learns the others; then heartbeats until stop(). */
  async join(): Promise<void> {
    await this.beat();
    this.scheduleBeat();
    this.options.bus.on("run.started", (e) => {
      const job = this.options.jobs().get(e.task);
      if (job && job.concurrency !== "allow") void this.options.cluster.holdTask(e.task, this.nodeId, e.runId, this.options.clock.now()).catch(() => undefined);
    });
  }

  private scheduleBeat(): void {
    if (this.stopped) return;
    const every = Math.min(10_000, Math.floor(this.options.cluster.leaseMs / 3));
    this.heartbeatTimer = this.options.clock.setTimer(every, () => {
      void this.beat().finally(() => this.scheduleBeat());
    });
  }

  /** Heartbeat, skew, the live nodes, dead nodes' runs, cancel requests. */
  private async beat(): Promise<void> {
    const { cluster, clock, bus } = this.options;
    try {
      const before = clock.now();
      const storeNow = await cluster.heartbeat(this.options.node, before);
      const after = clock.now();
      this.skewMs = storeNow - (before + after) / 2;
      this.checkSkew(after - before);
      this.live = (await cluster.nodes(after)).filter((n) => n.alive && n.role === "daemon");
      await this.options.recover((job, slotMs, trigger) => {
        bus.emit("log", { level: "warn", task: job.name, message: `running again, here, the fire of ${new Date(slotMs).toISOString()} whose node stopped heartbeating` });
        void this.admit(job, { task: job.name, slotMs, kind: trigger, coveredSlots: 1 });
      });
      await this.takeCancelRequests();
      this.recovered();
    } catch (error) {
      this.trouble(error);
    }
  }

  private checkSkew(roundTripMs: number): void {
    const off = Math.abs(this.skewMs) > SKEW_WARN_MS + roundTripMs;
    if (off && !this.skewWarned) {
      const way = this.skewMs > 0 ? "behind" : "ahead of";
      this.options.bus.emit("log", {
        level: "warn",
        message: `this node's clock is ${formatDuration(Math.abs(Math.round(this.skewMs)))} ${way} the database's: fires are claimed by the database's clock (a node ahead waits for it, a node behind fires late); fix the clock (NTP)`,
      });
    }
    this.skewWarned = off;
  }

  /** Another process changed something: cancel requests for our runs, lanes another node freed. */
  changed(): void {
    void this.takeCancelRequests().catch(() => undefined);
    for (const wake of [...this.waiting.values()].flat()) wake();
  }

  private async takeCancelRequests(): Promise<void> {
    for (const request of await this.options.cluster.takeCancelRequests(this.nodeId)) {
      this.options.launcher.cancelRun(request.runId, request.reason);
    }
  }

  /** A fire from this node's scheduler: claimed (or not) for the cluster, then admitted. */
  async fire(job: Job, fire: Fire): Promise<void> {
    if (!(await this.claim(job, fire.slotMs, "fire"))) return;
    await this.admit(job, fire);
  }

  /** Fires missed while the whole cluster was down (or the clock jumped): recorded by one node. */
  async missed(gap: MissedGap): Promise<void> {
    const job = this.options.jobs().get(gap.task);
    if (job && (await this.claim(job, gap.fromMs, "gap"))) this.options.launcher.recordMissed(gap);
  }

  /** A reloaded configuration: the next heartbeat tells the cluster. */
  runs(configHash: string): void {
    this.options.node.configHash = configHash;
  }

  /** Asks whichever node runs `runId` to cancel it. */
  requestCancel(runId: number, reason: string): Promise<void> {
    return this.options.cluster.requestCancel(runId, reason, this.options.clock.now());
  }

  /** The task's lane is idle here: another node may run it now. */
  release(task: string): void {
    const job = this.options.jobs().get(task);
    if (!job || job.concurrency === "allow" || this.stopped) return;
    void this.options.cluster.releaseTask(task, this.nodeId).catch((error: unknown) => this.trouble(error));
  }

  async leave(): Promise<void> {
    this.stopped = true;
    this.heartbeatTimer?.cancel();
    for (const wake of [...this.waiting.values()].flat()) wake();
    await this.options.cluster.leave(this.nodeId).catch(() => undefined);
  }

  /**
   * Claims one fire (or gap) for the whole cluster. Nodes ranked below the first wait their turn; a
   * claim refused as early waits for the database's clock; a store that is down is tried again
   * until the fire is two seconds late, and what could not be claimed goes by catch_up later.
   */
  private async claim(job: Job, slotMs: number, kind: "fire" | "gap"): Promise<boolean> {
    const { cluster, clock } = this.options;
    const rank = this.rank(job, slotMs);
    if (rank < 0) return false;
    if (rank > 0) await this.sleep(rank * RANK_STEP_MS);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const result = await cluster.claimFire({ task: job.name, slotMs, kind, nodeId: this.nodeId });
        this.recovered();
        if (result.won || result.earlyByMs <= 0) return result.won;
        await this.sleep(Math.min(result.earlyByMs, 60_000));
      } catch (error) {
        this.trouble(error);
        if (!this.options.store.isTransient(error)) return false;
        if (kind === "fire" && clock.now() - slotMs > CLAIM_RETRY_MS) {
          this.noteUnclaimed(job, slotMs);
          return false;
        }
        await this.sleep(Math.min(500 * 2 ** attempt, 1000));
      }
    }
    return false;
  }

  /**
   * This node's place among the live nodes eligible for the task, for this slot (0: it claims
   * first); -1 when its labels do not match the task's `nodes:`.
   */
  private rank(job: Job, slotMs: number): number {
    const mine = this.options.node.labels;
    if (job.nodes && !job.nodes.some((label) => mine.includes(label))) return -1;
    const eligible = this.live.filter((n) => n.nodeId !== this.nodeId && (!job.nodes || job.nodes.some((label) => n.labels.includes(label)))).map((n) => n.nodeId);
    const order = [...eligible, this.nodeId].map((id) => ({ id, key: hashKey(`${job.name}\u0000${slotMs}\u0000${id}`) })).sort((a, b) => a.key - b.key || a.id.localeCompare(b.id));
    return order.findIndex((n) => n.id === this.nodeId);
  }

  /**
   * A fire this node claimed, through the task's cluster-wide lane: `allow` runs beside anything;
   * otherwise the lane is taken unless another live node's run holds it — then forbid skips, queue
   * waits for it, replace cancels that run and takes the lane when it has ended.
   */
  private async admit(job: Job, fire: Fire): Promise<void> {
    const { launcher } = this.options;
    if (job.concurrency === "allow") return launcher.fire(job, fire);
    let holder = await this.hold(job);
    if (holder === null || holder.nodeId === this.nodeId) return launcher.fire(job, fire);
    if (job.concurrency === "forbid") {
      // The run holding the lane may have just ended on its node, its release on the way: a
      // moment's wait tells an overlap from a lane about to be free.
      holder = await this.waitForLane(job, holder, FORBID_WAIT_MS);
      return launcher.fire(job, fire, holder);
    }
    if (job.concurrency === "replace" && holder.runId !== null) {
      await this.requestCancel(holder.runId, `replaced by the fire of ${new Date(fire.slotMs).toISOString()} on ${this.nodeId}`).catch((e: unknown) => this.trouble(e));
    }
    const queue = this.waiting.get(job.name) ?? [];
    if (queue.length >= MAX_WAITING) return launcher.fire(job, fire, holder);
    holder = await this.waitForLane(job, holder, null);
    if (!this.stopped) launcher.fire(job, fire, holder);
  }

  /**
   * Waits until this node holds the task's lane, or `forMs` has passed (null: no limit); returns
   * the other node's hold that remains (null once the lane is ours).
   */
  private async waitForLane(job: Job, held: HeldElsewhere | null, forMs: number | null): Promise<HeldElsewhere | null> {
    const { clock } = this.options;
    const until = forMs === null ? Number.POSITIVE_INFINITY : clock.now() + forMs;
    let holder = held;
    while (holder && holder.nodeId !== this.nodeId && !this.stopped && clock.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = clock.setTimer(Math.min(HOLD_POLL_MS, Math.max(1, until - clock.now())), () => done());
        const done = () => {
          timer.cancel();
          const list = this.waiting.get(job.name) ?? [];
          this.waiting.set(
            job.name,
            list.filter((w) => w !== done),
          );
          resolve();
        };
        this.waiting.set(job.name, [...(this.waiting.get(job.name) ?? []), done]);
      });
      holder = await this.hold(job);
    }
    return holder && holder.nodeId !== this.nodeId ? holder : null;
  }

  /** Takes the task's lane; null when the store cannot say (the fire then runs: better than never). */
  private async hold(job: Job): Promise<HeldElsewhere | null> {
    try {
      const holder: TaskHolder = await this.options.cluster.holdTask(job.name, this.nodeId, null, this.options.clock.now());
      return holder;
    } catch (error) {
      this.trouble(error);
      return null;
    }
  }

  private noteUnclaimed(job: Job, slotMs: number): void {
    const slots = this.unclaimed.get(job.name) ?? [];
    if (!slots.includes(slotMs)) slots.push(slotMs);
    slots.sort((a, b) => a - b);
    if (slots.length > MAX_UNCLAIMED) slots.splice(0, slots.length - MAX_UNCLAIMED);
    this.unclaimed.set(job.name, slots);
  }

  /** The store answers again: what could not be claimed meanwhile goes by each task's catch_up. */
  private recovered(): void {
    if (this.storeTrouble !== null) {
      this.options.bus.emit("log", { level: "info", message: "the state store answers again" });
      this.storeTrouble = null;
    }
    if (this.unclaimed.size === 0) return;
    const gaps = [...this.unclaimed.entries()];
    this.unclaimed.clear();
    for (const [task, slots] of gaps) void this.resolveGap(task, slots);
  }

  /**
   * Fires that could not be claimed while the store was down: claimed now, slot by slot (the first
   * node back takes all it knows of; a slot another node ran or took is not this node's), then this
   * node's share goes by the task's catch_up, as a downtime's fires do on a single daemon.
   */
  private async resolveGap(task: string, slots: number[]): Promise<void> {
    const job = this.options.jobs().get(task);
    if (!job) return;
    let won: number[];
    try {
      won = await this.options.cluster.claimLateFires(task, slots, this.nodeId);
    } catch (error) {
      this.trouble(error);
      for (const slot of slots) this.noteUnclaimed(job, slot);
      return;
    }
    if (won.length === 0) return;
    const first = won[0]!;
    const last = won[won.length - 1]!;
    const inWindow = last >= this.options.clock.now() - job.catchUpWindowMs;
    if (job.catchUp === "latest" && inWindow) return this.admit(job, { task, slotMs: last, kind: "catch_up", coveredSlots: won.length });
    if (job.catchUp === "all" && inWindow && won.length <= MAX_CATCH_UP_RUNS) {
      for (const slot of won) await this.admit(job, { task, slotMs: slot, kind: "catch_up", coveredSlots: 1 });
      return;
    }
    if (job.catchUp === "all" && inWindow) return this.admit(job, { task, slotMs: last, kind: "catch_up", coveredSlots: won.length });
    this.options.launcher.recordMissed({ task, count: won.length, fromMs: first, toMs: last });
  }

  private trouble(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.storeTrouble === null) {
      this.options.bus.emit("log", { level: "error", message: `the state store does not answer (${message}); timers keep running, fires are claimed when it is back` });
    }
    this.storeTrouble = message;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.options.clock.setTimer(ms, () => resolve()));
  }

  /** For `orchestrate nodes` and the logs: whether a job would run on this node at all. */
  static eligible(job: Job, labels: string[]): boolean {
    return !job.nodes || job.nodes.some((label) => labels.includes(label));
  }
}

/** A 32-bit hash, for ranking: well spread, and the same on every node. */
function hashKey(text: string): number {
  return createHash("sha1").update(text).digest().readUInt32BE(0);
}

/** Whether a job has retries left to run again after its node died. */
export function hasRetries(job: Job, attempts: number): boolean {
  const retries = isWorkflow(job) ? Math.max(0, ...job.steps.map((s) => s.task.retries)) : job.retries;
  return retries > 0 && attempts <= retries;
}
