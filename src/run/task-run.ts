import type { TaskSpec } from "../config/model.js";
import { renderTemplate, type TemplateContext } from "../config/templates.js";
import type { EventBus } from "../events/bus.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import type { HttpResult, InvocationRecord, RunPatch, RunRecord, RunStatus, WriteOp } from "../store/types.js";
import { retryDelay } from "./backoff.js";
import { describeFailure } from "./describe-failure.js";
import { taskEnvironment } from "./environment.js";
import type { Executor, RunningProcess } from "./executor.js";
import { runHttp } from "./http.js";
import { commandInvocation, interpreterFor, invocationEnv, paramsToArgv } from "./invocation.js";
import { tailOf } from "./output-tail.js";
import { planInvocations, type PlannedInvocation } from "./plan.js";

/**
 * How a start waits for its record to be committed. The embedded store commits in well under a
 * millisecond; a store that is failing is not waited for at all (the writer says so at once), and
 * the record follows when it recovers.
 */
const CREATE_WAIT_MS = 250;
/** How long a finished run waits for its final record before announcing itself anyway. */
const FINAL_WRITE_WAIT_MS = 2_000;

/** Where a run's record goes: the engine's recorder, which never blocks and never throws. */
export interface RunWriter {
  submit(op: WriteOp): Promise<void>;
  /** Resolves true once committed, false after `waitMs` or as soon as the store is known to be failing. */
  submitAndWait(op: WriteOp, waitMs: number): Promise<boolean>;
}

export interface RunDeps {
  executor: Executor;
  writer: RunWriter;
  bus: EventBus;
  clock: Clock;
  random: () => number;
  /** The daemon's environment, the base of every script's. */
  baseEnv: Record<string, string | undefined>;
  outputLimitBytes: number;
}

export interface RunRequest {
  task: TaskSpec;
  /** The run as it is to be recorded when it starts (status running). */
  run: RunRecord;
  scheduledAt: Date;
  /** A claimed one-off: its record exists already, as running. */
  recorded?: boolean;
}

interface AttemptResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  output: string;
  http: HttpResult | null;
  /** The attempt was still going when the run was cancelled: its failure is the cancel's doing. */
  byCancel: boolean;
}

/**
 * One run of a task, from its record to its final status, recorded as it goes. Scripts run one
 * after another and the first that fails (after its retries) fails the run; repeat items are
 * independent of each other, so each runs and any failure fails the run.
 */
export class TaskRun {
  private current: RunningProcess | null = null;
  private currentAbort: AbortController | null = null;
  private retryTimer: { handle: TimerHandle; wake: () => void } | null = null;
  private cancelledWith: { status: "cancelled" | "interrupted"; reason: string } | null = null;
  /** The invocations started so far, as recorded. */
  private readonly reached: InvocationRecord[] = [];
  private resolveEnded!: (run: RunRecord) => void;
  /** Resolves as soon as the run's final status is known, before its record is committed. */
  readonly ended = new Promise<RunRecord>((resolve) => (this.resolveEnded = resolve));
  /** Resolves once the final status is recorded (or the store was given time to take it) and announced. */
  readonly done: Promise<RunRecord>;

  constructor(
    readonly request: RunRequest,
    private readonly deps: RunDeps,
  ) {
    this.done = this.execute();
  }

  get runId(): number {
    return this.request.run.id;
  }

  /** Whether it waits between attempts: nothing of it runs. */
  get inBackoff(): boolean {
    return this.retryTimer !== null;
  }

  /** Stops the run: the current process group gets SIGTERM, then SIGKILL after `graceMs`; nothing further starts. */
  cancel(status: "cancelled" | "interrupted", reason: string, graceMs: number): void {
    if (this.cancelledWith) return;
    this.cancelledWith = { status, reason };
    this.current?.cancel(graceMs);
    this.currentAbort?.abort(new Error(reason));
    if (this.retryTimer) {
      this.retryTimer.handle.cancel();
      this.retryTimer.wake();
    }
  }

  private async execute(): Promise<RunRecord> {
    const { task, run } = this.request;
    const { bus, writer } = this.deps;
    // The record is committed before anything starts, so a crash at any moment after this leaves
    // a run that the next start marks interrupted: a started run is never lost. A store that is
    // failing is not waited for (the recorder logs that); the record follows when it recovers.
    if (!this.request.recorded) await writer.submitAndWait({ kind: "create", run: structuredClone(run) }, CREATE_WAIT_MS);
    bus.emit("run.started", { runId: run.id, task: task.name, at: run.startedAt!, scheduledAt: run.scheduledAt, trigger: run.trigger });

    const env = taskEnvironment(this.deps.baseEnv, task.env);
    let planned: PlannedInvocation[];
    try {
      planned = await planInvocations(task, env, this.deps.executor);
    } catch (error) {
      return this.finish("failed", { error: (error as Error).message, invocations: [] });
    }

    const invocations: InvocationRecord[] = planned.map((p, i) => ({
      index: i + 1,
      target: p.target,
      params: p.kind === "script" ? p.params : [],
      status: "running",
      attempts: 0,
      exitCode: null,
      signal: null,
      error: null,
      output: "",
      startedAt: null,
      finishedAt: null,
    }));
    const outputs: string[] = [];
    let failure: { error: string; exitCode: number | null } | null = null;
    let lastError: string | null = null;
    let http: HttpResult | null = null;
    let lastExitCode: number | null = null;
    const reached = this.reached;

    for (const [i, plan] of planned.entries()) {
      if (this.cancelledWith) break;
      const record = invocations[i]!;
      reached.push(record);
      record.startedAt = this.now();
      this.record({ invocations: reached });

      const result = await this.invokeWithRetries(plan, record, env);
      record.finishedAt = this.now();
      record.exitCode = result.exitCode;
      record.signal = result.signal;
      record.error = result.error;
      record.output = result.output;
      record.status = result.ok ? "succeeded" : this.cancelledWith ? "cancelled" : "failed";
      if (result.output !== "") outputs.push(result.output);
      if (result.http) http = result.http;
      lastExitCode = result.exitCode;
      // An attempt that failed on its own, not one the cancel stopped (which only says "cancelled").
      if (!result.ok && !result.byCancel) {
        lastError = `${plan.target}: ${result.error}`;
        failure = { error: lastError, exitCode: result.exitCode };
      }
      if (failure && plan.kind === "script" && plan.group === "scripts") break;
    }

    const attempts = Math.max(0, ...reached.map((r) => r.attempts));
    // Invocations keep their own line boundaries: one's last line never runs into the next one's first.
    const output = tailOf(outputs.join("\n"), this.deps.outputLimitBytes);
    const common = { invocations: reached, attempts, output, http, exitCode: failure?.exitCode ?? lastExitCode };
    if (this.cancelledWith) {
      // Stopped while waiting to retry: the error is what failed, the reason is why it went no further.
      const { status, reason } = this.cancelledWith;
      return this.finish(status, lastError ? { ...common, error: lastError, reason } : { ...common, error: reason });
    }
    if (failure) return this.finish("failed", { ...common, error: failure.error });
    return this.finish("succeeded", common);
  }

  private async invokeWithRetries(plan: PlannedInvocation, record: InvocationRecord, env: Record<string, string>): Promise<AttemptResult> {
    const { task } = this.request;
    const runId = this.runId;
    const { bus, clock } = this.deps;
    const maxAttempts = task.retries + 1;
    let result: AttemptResult;
    for (let attempt = 1; ; attempt++) {
      record.attempts = attempt;
      result = await this.attempt(plan, record.index, attempt, env);
      if (result.ok || this.cancelledWith || attempt >= maxAttempts) return result;
      const delayMs = retryDelay(attempt, task.retryDelayMs, task.retryMaxDelayMs, this.deps.random);
      bus.emit("run.retrying", { runId, task: task.name, at: this.now(), invocation: record.index, attempt, delayMs, error: result.error ?? "failed" });
      record.error = result.error;
      this.record({ invocations: this.reached, attempts: attempt });
      await new Promise<void>((resolve) => {
        this.retryTimer = { handle: clock.setTimer(delayMs, resolve), wake: resolve };
      });
      this.retryTimer = null;
      if (this.cancelledWith) return result;
    }
  }

  private async attempt(plan: PlannedInvocation, index: number, attempt: number, env: Record<string, string>): Promise<AttemptResult> {
    const { task, scheduledAt } = this.request;
    const runId = this.runId;
    const { bus, clock } = this.deps;
    const started = clock.now();

    if (plan.kind === "http") {
      bus.emit("invocation.started", { runId, task: task.name, at: this.now(), invocation: index, attempt, target: plan.target, argv: [] });
      this.currentAbort = new AbortController();
      const outcome = await runHttp(plan.http, this.currentAbort.signal, this.deps.outputLimitBytes);
      this.currentAbort = null;
      bus.emit("invocation.finished", {
        runId, task: task.name, at: this.now(), invocation: index, attempt,
        exitCode: null, signal: null, error: outcome.error, durationMs: clock.now() - started,
      });
      const byCancel = this.cancelledWith !== null;
      return { ok: outcome.error === null, exitCode: null, signal: null, error: outcome.error, output: outcome.result?.body ?? "", http: outcome.result, byCancel };
    }

    const templateCtx: TemplateContext = { task: task.name, runId, attempt, scheduledAt, timezone: task.timezone, env };
    const params =
      plan.kind !== "script" ? [] : plan.templated ? plan.params.map(([k, v]) => [k, renderTemplate(v, templateCtx)] as [string, string]) : plan.params;
    // The record shows what the script got, not the templates it came from.
    const record = this.reached.find((r) => r.index === index);
    if (record) record.params = params;
    const base = plan.kind === "script" ? interpreterFor(task.type, plan.path) : commandInvocation(plan.command);
    const args = [...base.args, ...paramsToArgv(params)];
    bus.emit("invocation.started", { runId, task: task.name, at: this.now(), invocation: index, attempt, target: plan.target, argv: [base.command, ...args] });

    this.current = this.deps.executor.start({
      command: base.command,
      args,
      cwd: task.cwd,
      env: invocationEnv({ base: this.deps.baseEnv, taskEnv: task.env, task: task.name, runId, scheduledAt, attempt, params }),
      timeoutMs: task.timeoutMs,
      killGraceMs: task.killGraceMs,
      outputLimitBytes: this.deps.outputLimitBytes,
      onLine: (stream, line) => bus.emit("invocation.output", { runId, task: task.name, at: this.now(), invocation: index, stream, line }),
    });
    const outcome = await this.current.done;
    this.current = null;
    const error = describeFailure(outcome, task.timeoutMs);
    bus.emit("invocation.finished", {
      runId, task: task.name, at: this.now(), invocation: index, attempt,
      exitCode: outcome.exitCode, signal: outcome.signal, error, durationMs: outcome.durationMs,
    });
    if (outcome.leakedDescendants) {
      bus.emit("log", { level: "warn", task: task.name, runId, message: `${plan.target} exited but left background processes holding its output; no longer reading them` });
    }
    return { ok: error === null, exitCode: outcome.exitCode, signal: outcome.signal, error, output: outcome.output, http: null, byCancel: outcome.cancelled };
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
    this.resolveEnded(structuredClone(this.request.run));
    await committed;
    const run = structuredClone(this.request.run);
    const { bus } = this.deps;
    if (status === "succeeded") bus.emit("run.succeeded", { runId, task: task.name, at, run });
    else if (status === "failed") bus.emit("run.failed", { runId, task: task.name, at, run });
    else if (status === "cancelled") bus.emit("run.cancelled", { runId, task: task.name, at, reason: run.reason ?? run.error ?? "cancelled" });
    else if (status === "interrupted") bus.emit("run.interrupted", { runId, task: task.name, at });
    return run;
  }
}
