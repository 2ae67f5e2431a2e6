import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StepSpec, WorkflowSpec } from "../config/model.js";
import { upstreamOf } from "../config/workflow-graph.js";
import { ActionRun, type ActionOutcome } from "../run/action-run.js";
import { taskEnvironmentLenient } from "../run/environment.js";
import { evaluateSkips } from "../run/skip.js";
import { CREATE_WAIT_MS, FINAL_WRITE_WAIT_MS, LiveOutput, type ActiveRun, type RunDeps } from "../run/task-run.js";
import type { RollbackRecord, RunPatch, RunRecord, RunStatus, StepRecord } from "../store/types.js";
import { inputEnvironment, readOutputFile } from "./outputs.js";

export interface WorkflowRequest {
  workflow: WorkflowSpec;
  /** The run as it is to be recorded when it starts (status running). */
  run: RunRecord;
  scheduledAt: Date;
}

/** Statuses a step ends with; `skipped` by its own skip condition lets the steps after it go on. */
const FINISHED: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "skipped", "cancelled", "interrupted"]);

/**
 * One run of a workflow (seed 002): its steps as a DAG, each a task's run (run/action-run.ts) that
 * starts once every step it depends on succeeded or was skipped by its own skip conditions, up to
 * `max_parallel` at once. A step that fails after its retries marks every step downstream skipped
 * ("upstream X failed"); independent branches run to their end. Then the rollbacks of the steps
 * that had succeeded run in reverse order of completion, one at a time, each with its own retries;
 * one that fails is recorded and the others still run. The run's record holds every step.
 */
export class WorkflowRun implements ActiveRun {
  private readonly steps: Map<string, StepRecord>;
  private readonly running = new Map<string, ActionRun>();
  /** Outputs by step, for the steps after it. */
  private readonly outputs: Record<string, Record<string, string>> = Object.create(null);
  /** Steps that succeeded, in the order they did: their rollbacks run the other way round. */
  private readonly completed: string[] = [];
  private readonly upstream: Map<string, Set<string>>;
  private rollingBack: ActionRun | null = null;
  private stopping: { status: "cancelled" | "interrupted"; reason: string } | null = null;
  /** Wound down: no new step or rollback starts; what runs may finish. */
  private woundDown: string | null = null;
  private wake: (() => void) | null = null;
  private outputDir: string | null = null;
  private resolveEnded!: (run: RunRecord) => void;
  readonly ended = new Promise<RunRecord>((resolve) => (this.resolveEnded = resolve));
  readonly done: Promise<RunRecord>;

  constructor(
    readonly request: WorkflowRequest,
    private readonly deps: RunDeps,
  ) {
    const { workflow, run } = request;
    this.upstream = upstreamOf(workflow.steps);
    this.steps = new Map(workflow.steps.map((step) => [step.name, pendingStep(step)]));
    run.steps = [...this.steps.values()];
    this.done = this.execute();
  }

  get runId(): number {
    return this.request.run.id;
  }

  /** Waiting only: every step that runs is between two attempts. */
  get inBackoff(): boolean {
    return this.running.size > 0 && [...this.running.values()].every((step) => step.inBackoff);
  }

  /** Stops it now: running steps (and a running rollback) get SIGTERM, then SIGKILL after `graceMs`. */
  cancel(status: "cancelled" | "interrupted", reason: string, graceMs: number): void {
    if (this.stopping) return;
    this.stopping = { status, reason };
    for (const step of this.running.values()) step.cancel(status, reason, graceMs);
    this.rollingBack?.cancel(status, reason, graceMs);
    this.wake?.();
  }

  /** The daemon is stopping: no new step or rollback starts; steps waiting to retry stop now. */
  windDown(): void {
    if (this.woundDown) return;
    this.woundDown = "the daemon stopped before every step had run";
    for (const step of this.running.values()) if (step.inBackoff) step.cancel("interrupted", "the daemon stopped during a retry backoff", 0);
    this.wake?.();
  }

  private async execute(): Promise<RunRecord> {
    const { workflow, run } = this.request;
    const { bus, writer } = this.deps;
    // As for a task: the record first, so a crash from here on leaves a run to mark interrupted.
    await writer.submitAndWait({ kind: "create", run: structuredClone(run) }, CREATE_WAIT_MS);
    bus.emit("run.started", { runId: run.id, task: workflow.name, at: run.startedAt!, scheduledAt: run.scheduledAt, trigger: run.trigger });
    try {
      this.outputDir = await mkdtemp(join(tmpdir(), "orchestrate-outputs-"));
      await this.runSteps();
      if ([...this.steps.values()].some((s) => s.status === "failed") && !this.stopping && !this.woundDown) await this.rollBack();
    } catch (error) {
      // A bug in this loop must not leave the run `running` for ever.
      bus.emit("log", { level: "error", task: workflow.name, runId: run.id, message: `workflow run failed unexpectedly: ${(error as Error).stack ?? error}` });
    } finally {
      if (this.outputDir) await rm(this.outputDir, { recursive: true, force: true }).catch(() => undefined);
    }
    await this.deps.beforeEnd?.(run.id);
    return this.finish();
  }

  /** Starts every ready step (up to max_parallel), waits for one to end, and again, until none can start. */
  private async runSteps(): Promise<void> {
    const { workflow } = this.request;
    for (;;) {
      this.skipBehindFailures();
      const limit = workflow.maxParallel ?? Number.POSITIVE_INFINITY;
      const canStart = !this.stopping && !this.woundDown;
      for (const step of workflow.steps) {
        if (!canStart || this.running.size >= limit) break;
        if (this.isReady(step)) this.startStep(step);
      }
      if (this.running.size === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  private isReady(step: StepSpec): boolean {
    const record = this.steps.get(step.name)!;
    if (record.status !== "pending" || record.startedAt !== null) return false;
    return step.dependsOn.every((dep) => {
      const status = this.steps.get(dep)?.status;
      return status === "succeeded" || (status === "skipped" && !this.steps.get(dep)!.reason?.startsWith("upstream "));
    });
  }

  /** Every pending step behind a step that failed (or was skipped for that) is skipped, naming the failed one. */
  private skipBehindFailures(): void {
    // Until nothing changes: a skip can make the step after it skippable, wherever it is written.
    for (let changed = true; changed; ) {
      changed = false;
      for (const step of this.request.workflow.steps) if (this.skipIfBlocked(step)) changed = true;
    }
  }

  private skipIfBlocked(step: StepSpec): boolean {
    const record = this.steps.get(step.name)!;
    if (record.status !== "pending" || record.startedAt !== null) return false;
    const blocker = step.dependsOn.find((dep) => {
      const upstream = this.steps.get(dep)!;
      // A step stopped with the whole run leaves what comes after it pending, not skipped: it never had its turn.
      return upstream.status === "failed" || (upstream.status === "skipped" && upstream.reason?.startsWith("upstream "));
    });
    if (!blocker) return false;
    const cause = this.steps.get(blocker)!;
    const root = cause.status === "skipped" ? cause.reason!.replace(/^upstream /, "") : `${blocker} ${cause.status}`;
    this.endStep(step.name, { status: "skipped", reason: `upstream ${root}` });
    return true;
  }

  private startStep(step: StepSpec): void {
    const { workflow, run, scheduledAt } = this.request;
    const { bus } = this.deps;
    const record = this.steps.get(step.name)!;
    record.status = "running";
    record.startedAt = this.now();
    this.recordSteps();

    const inputs = this.inputsOf(step.name);
    const outputFile = join(this.outputDir!, `${step.name}.out`);
    const live = new LiveOutput(this.deps, (output) => {
      record.output = output;
      this.recordSteps();
    });
    const action = new ActionRun(
      {
        task: step.task,
        runId: run.id,
        scheduledAt,
        label: { task: workflow.name, step: step.name },
        extraEnv: { ORCHESTRATE_STEP: step.name, ORCHESTRATE_OUTPUT: outputFile, ...inputEnvironment(inputs) },
        steps: inputs,
      },
      this.deps,
      {
        invocations: (invocations, attempts) => {
          Object.assign(record, { invocations, attempts });
          this.recordSteps();
        },
        retrying: (info) => bus.emit("step.retrying", { runId: run.id, task: workflow.name, step: step.name, at: this.now(), ...info }),
        line: (line) => live.push(line),
      },
    );
    this.running.set(step.name, action);
    void this.judgeAndRun(step, action, outputFile, live).then(() => {
      this.running.delete(step.name);
      this.wake?.();
    });
  }

  /**
   * A step running as another account (`user:`) writes its outputs to a file made for it, its
   * own: the folder lets it through (0711) without letting anyone list it.
   */
  private async handOver(outputFile: string, account: { uid: number; gid: number }): Promise<void> {
    await chmod(this.outputDir!, 0o711);
    await writeFile(outputFile, "", { mode: 0o600 });
    await chown(outputFile, account.uid, account.gid);
  }

  /** A step's own skip conditions, then its action. */
  private async judgeAndRun(step: StepSpec, action: ActionRun, outputFile: string, live: LiveOutput): Promise<void> {
    const { workflow, run, scheduledAt } = this.request;
    const { bus, executor, baseEnv } = this.deps;
    if (step.task.skip.length > 0) {
      const { reason, errors } = await evaluateSkips(step.task.skip, {
        task: workflow.name,
        scheduledAt,
        timezone: step.task.timezone,
        cwd: step.task.cwd,
        env: taskEnvironmentLenient(baseEnv, step.task),
        account: step.task.account,
        executor,
      });
      for (const error of errors) bus.emit("log", { level: "warn", task: workflow.name, runId: run.id, message: `step ${step.name}: skip condition could not be judged, not skipping: ${error}` });
      if (reason) {
        live.stop();
        return this.endStep(step.name, { status: "skipped", reason });
      }
    }
    bus.emit("step.started", { runId: run.id, task: workflow.name, step: step.name, at: this.now() });
    if (step.task.account) {
      try {
        await this.handOver(outputFile, step.task.account);
      } catch (error) {
        live.stop();
        return this.endStep(step.name, { status: "failed", error: `cannot hand the output file to ${step.task.account.user}: ${(error as Error).message}` });
      }
    }
    const outcome = await action.run();
    live.stop();
    const written = await readOutputFile(outputFile);
    if (written.ignored.length > 0) {
      bus.emit("log", { level: "warn", task: workflow.name, runId: run.id, message: `step ${step.name}: ignored output lines that are not key=value: ${written.ignored.slice(0, 3).join(" | ")}` });
    }
    this.endStep(step.name, stepPatch(outcome, { ...written.outputs, ...outcome.outputs }));
  }

  /** The outputs of every step upstream of `step`, by step name. */
  private inputsOf(step: string): Record<string, Record<string, string>> {
    const inputs: Record<string, Record<string, string>> = Object.create(null);
    for (const name of this.upstream.get(step) ?? []) if (this.outputs[name]) inputs[name] = this.outputs[name];
    return inputs;
  }

  private endStep(name: string, patch: Partial<StepRecord>): void {
    const { workflow, run } = this.request;
    const { bus } = this.deps;
    const record = this.steps.get(name)!;
    Object.assign(record, patch, { finishedAt: this.now() });
    const event = { runId: run.id, task: workflow.name, step: name, at: record.finishedAt! };
    if (record.status === "succeeded") {
      this.outputs[name] = record.outputs;
      this.completed.push(name);
      bus.emit("step.succeeded", { ...event, outputs: record.outputs });
    } else if (record.status === "failed") bus.emit("step.failed", { ...event, error: record.error ?? "failed" });
    else if (record.status === "skipped") bus.emit("step.skipped", { ...event, reason: record.reason ?? "skipped" });
    else bus.emit("step.cancelled", { ...event, reason: record.error ?? record.status });
    this.recordSteps();
  }

  /** The rollbacks of the steps that succeeded, newest first, one at a time; a failed one does not stop the rest. */
  private async rollBack(): Promise<void> {
    const { workflow, run, scheduledAt } = this.request;
    const { bus } = this.deps;
    const specs = new Map(workflow.steps.map((s) => [s.name, s]));
    for (const name of [...this.completed].reverse()) {
      const rollback = specs.get(name)!.rollback;
      if (!rollback || this.stopping || this.woundDown) continue;
      const record = this.steps.get(name)!;
      const state: RollbackRecord = { status: "running", attempts: 0, exitCode: null, error: null, output: "", startedAt: this.now(), finishedAt: null, invocations: [] };
      record.rollback = state;
      this.recordSteps();
      bus.emit("step.rollback", { runId: run.id, task: workflow.name, step: name, at: state.startedAt!, status: "running", error: null });
      // A rollback sees what its step and the steps before it produced: what there is to undo.
      const inputs = { ...this.inputsOf(name), [name]: record.outputs };
      this.rollingBack = new ActionRun(
        {
          task: rollback,
          runId: run.id,
          scheduledAt,
          label: { task: workflow.name, step: `${name} (rollback)` },
          extraEnv: { ORCHESTRATE_STEP: name, ORCHESTRATE_ROLLBACK: "1", ...inputEnvironment(inputs) },
          steps: inputs,
        },
        this.deps,
        {
          invocations: (invocations, attempts) => {
            Object.assign(state, { invocations, attempts });
            this.recordSteps();
          },
          retrying: (info) => bus.emit("step.retrying", { runId: run.id, task: workflow.name, step: `${name} (rollback)`, at: this.now(), ...info }),
        },
      );
      const outcome = await this.rollingBack.run();
      this.rollingBack = null;
      Object.assign(state, {
        status: outcome.status,
        attempts: outcome.attempts,
        exitCode: outcome.exitCode,
        error: outcome.error,
        output: outcome.output,
        invocations: outcome.invocations,
        finishedAt: this.now(),
      });
      this.recordSteps();
      bus.emit("step.rollback", { runId: run.id, task: workflow.name, step: name, at: state.finishedAt!, status: outcome.status === "succeeded" ? "succeeded" : outcome.status === "failed" ? "failed" : "interrupted", error: outcome.error });
    }
  }

  /**
   * The run's status: interrupted or cancelled if it was stopped before its end, failed if a step
   * failed, succeeded otherwise. Steps that never started are left `pending` when it was stopped,
   * so the record shows how far it got.
   */
  private async finish(): Promise<RunRecord> {
    const { workflow, run } = this.request;
    const { bus, writer } = this.deps;
    const at = this.now();
    const steps = [...this.steps.values()];
    const failed = steps.find((s) => s.status === "failed");
    const unfinished = steps.some((s) => !FINISHED.has(s.status));
    let status: RunStatus;
    let error: string | null = null;
    let reason: string | null = null;
    if (this.stopping) {
      status = this.stopping.status;
      error = failed ? `step ${failed.name}: ${failed.error}` : this.stopping.reason;
      if (failed) reason = this.stopping.reason;
    } else if (this.woundDown && unfinished) {
      status = "interrupted";
      error = failed ? `step ${failed.name}: ${failed.error}` : this.woundDown;
      if (failed) reason = this.woundDown;
    } else if (failed) {
      status = "failed";
      error = `step ${failed.name}: ${failed.error}`;
    } else {
      status = unfinished ? "failed" : "succeeded";
      if (unfinished) error = "the workflow ended with steps that never ran";
    }
    const final: RunPatch = {
      status,
      finishedAt: at,
      error,
      reason,
      attempts: Math.max(0, ...steps.map((s) => s.attempts)),
      exitCode: failed?.exitCode ?? null,
      steps,
    };
    Object.assign(run, final);
    const committed = writer.submitAndWait({ kind: "update", id: run.id, patch: final }, FINAL_WRITE_WAIT_MS);
    // Final now: one copy for both promises (nothing that waits on `ended` changes what it gets).
    const done = structuredClone(run);
    this.resolveEnded(done);
    await committed;
    const event = { runId: run.id, task: workflow.name, at };
    if (status === "succeeded") bus.emit("run.succeeded", { ...event, run: done });
    else if (status === "failed") bus.emit("run.failed", { ...event, run: done });
    else if (status === "cancelled") bus.emit("run.cancelled", { ...event, reason: done.reason ?? done.error ?? "cancelled" });
    else bus.emit("run.interrupted", event);
    return done;
  }

  /** The steps changed: in memory at once, and queued for the store (updates of one run merge). */
  private recordSteps(): void {
    const steps = [...this.steps.values()];
    this.request.run.steps = steps;
    void this.deps.writer.submit({ kind: "update", id: this.runId, patch: { steps: structuredClone(steps) } });
  }

  private now(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}

function pendingStep(step: StepSpec): StepRecord {
  return {
    name: step.name,
    dependsOn: [...step.dependsOn],
    status: "pending",
    attempts: 0,
    exitCode: null,
    error: null,
    reason: null,
    output: "",
    outputs: {},
    startedAt: null,
    finishedAt: null,
    invocations: [],
    rollback: null,
  };
}

function stepPatch(outcome: ActionOutcome, outputs: Record<string, string>): Partial<StepRecord> {
  return {
    status: outcome.status,
    attempts: outcome.attempts,
    exitCode: outcome.exitCode,
    error: outcome.error,
    reason: outcome.reason,
    output: outcome.output,
    invocations: outcome.invocations,
    // Outputs count only from a step that succeeded: a failed step's half-written values are not passed on.
    outputs: outcome.status === "succeeded" ? { ...outputs } : {},
  };
}
