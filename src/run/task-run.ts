import type { TaskSpec } from "../config/model.js";
import type { RunPatch, RunRecord, RunStatus, WriteOp } from "../store/types.js";
import type { TimerHandle } from "../time/clock.js";
import { ActionRun, type ActionDeps } from "./action-run.js";
import { OutputTail } from "./output-tail.js";

/**
 * How a start waits for its record to be committed. The embedded store commits in well under a
 * millisecond; a store that is failing is not waited for at all (the writer says so at once), and
 * the record follows when it recovers.
 */
export const CREATE_WAIT_MS = 250;
/** How long a finished run waits for its final record before announcing itself anyway. */
export const FINAL_WRITE_WAIT_MS = 2_000;
/** How often a running run's output so far is recorded, for `show` and `orchestrate logs -f`. */
export const LIVE_OUTPUT_EVERY_MS = 2_000;

/** Where a run's record goes: the engine's recorder, which never blocks and never throws. */
export interface RunWriter {
  submit(op: WriteOp): Promise<void>;
  /** Resolves true once committed, false after `waitMs` or as soon as the store is known to be failing. */
  submitAndWait(op: WriteOp, waitMs: number): Promise<boolean>;
}

export interface RunDeps extends ActionDeps {
  writer: RunWriter;
}

export interface RunRequest {
  task: TaskSpec;
  /** The run as it is to be recorded when it starts (status running). */
  run: RunRecord;
  scheduledAt: Date;
  /** A claimed one-off: its record exists already, as running. */
  recorded?: boolean;
}

/** What the launcher holds of a run it started: a task's or a workflow's. */
export interface ActiveRun {
  readonly runId: number;
  readonly inBackoff: boolean;
  /** Resolves as soon as the run's final status is known, before its record is committed. */
  readonly ended: Promise<RunRecord>;
  /** Resolves once the final status is recorded (or the store was given time to take it) and announced. */
  readonly done: Promise<RunRecord>;
  cancel(status: "cancelled" | "interrupted", reason: string, graceMs: number): void;
  /** The daemon is stopping: start nothing new, and end at once whatever only waits to retry. */
  windDown(): void;
}

/** One run of a task, from its record to its final status, recorded as it goes. */
export class TaskRun implements ActiveRun {
  private readonly action: ActionRun;
  private readonly live: LiveOutput;
  private resolveEnded!: (run: RunRecord) => void;
  readonly ended = new Promise<RunRecord>((resolve) => (this.resolveEnded = resolve));
  readonly done: Promise<RunRecord>;

  constructor(
    readonly request: RunRequest,
    private readonly deps: RunDeps,
  ) {
    const { task, run, scheduledAt } = request;
    this.live = new LiveOutput(deps, (output) => this.record({ output }));
    this.action = new ActionRun({ task, runId: run.id, scheduledAt, label: { task: task.name } }, deps, {
      invocations: (invocations, attempts) => this.record({ invocations, attempts }),
      retrying: (info) => deps.bus.emit("run.retrying", { runId: run.id, task: task.name, at: this.now(), ...info }),
      line: (line) => this.live.push(line),
    });
    this.done = this.execute();
  }

  get runId(): number {
    return this.request.run.id;
  }

  get inBackoff(): boolean {
    return this.action.inBackoff;
  }

  cancel(status: "cancelled" | "interrupted", reason: string, graceMs: number): void {
    this.action.cancel(status, reason, graceMs);
  }

  windDown(): void {
    if (this.action.inBackoff) this.action.cancel("interrupted", "the daemon stopped during a retry backoff", 0);
  }

  private async execute(): Promise<RunRecord> {
    const { task, run } = this.request;
    const { bus, writer } = this.deps;
    // The record is committed before anything starts, so a crash at any moment after this leaves
    // a run that the next start marks interrupted: a started run is never lost. A store that is
    // failing is not waited for (the recorder logs that); the record follows when it recovers.
    if (!this.request.recorded) await writer.submitAndWait({ kind: "create", run: structuredClone(run) }, CREATE_WAIT_MS);
    bus.emit("run.started", { runId: run.id, task: task.name, at: run.startedAt!, scheduledAt: run.scheduledAt, trigger: run.trigger });
    const { status, outputs: _outputs, ...patch } = await this.action.run();
    this.live.stop();
    await this.deps.beforeEnd?.(run.id);
    return this.finish(status, patch);
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Updates the run in memory (the truth while it runs) and queues the change for the store. */
  private record(patch: RunPatch): void {
    Object.assign(this.request.run, patch);
    void this.deps.writer.submit({ kind: "update", id: this.runId, patch });
  }

  /**
   * The run's final state is known in memory at once (`ended`); its record is committed before its
   * last event goes out, so a listener that reads the store (`getResults`) sees it finished, while a
   * store that cannot take it holds nobody up for long.
   */
  private async finish(status: RunStatus, patch: RunPatch): Promise<RunRecord> {
    const { task } = this.request;
    const runId = this.runId;
    const at = this.now();
    const final = { ...patch, status, finishedAt: at };
    Object.assign(this.request.run, final);
    const committed = this.deps.writer.submitAndWait({ kind: "update", id: runId, patch: final }, FINAL_WRITE_WAIT_MS);
    // Final now: one copy for both promises (nothing that waits on `ended` changes what it gets).
    const run = structuredClone(this.request.run);
    this.resolveEnded(run);
    await committed;
    const { bus } = this.deps;
    if (status === "succeeded") bus.emit("run.succeeded", { runId, task: task.name, at, run });
    else if (status === "failed") bus.emit("run.failed", { runId, task: task.name, at, run });
    else if (status === "cancelled") bus.emit("run.cancelled", { runId, task: task.name, at, reason: run.reason ?? run.error ?? "cancelled" });
    else if (status === "interrupted") bus.emit("run.interrupted", { runId, task: task.name, at });
    return run;
  }
}

/**
 * The output of a run that is still going, recorded every few seconds while it changes: what
 * `show` and `orchestrate logs -f` read. The final record keeps the invocations' own tails.
 */
export class LiveOutput {
  private readonly tail: OutputTail;
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly deps: Pick<ActionDeps, "clock" | "outputLimitBytes">,
    private readonly save: (output: string) => void,
  ) {
    this.tail = new OutputTail(deps.outputLimitBytes);
  }

  push(line: string): void {
    this.tail.push(line);
    if (this.timer || this.stopped) return;
    this.timer = this.deps.clock.setTimer(LIVE_OUTPUT_EVERY_MS, () => {
      this.timer = null;
      if (!this.stopped) this.save(this.tail.text());
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }
}
