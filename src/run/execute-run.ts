import type { TaskSpec } from "../config/model.js";
import { renderTemplate, type TemplateContext } from "../config/templates.js";
import type { EventBus } from "../events/bus.js";
import type { Clock, TimerHandle } from "../schedule/clock.js";
import type { RunRecorder } from "../engine/recorder.js";
import type { HttpResult, InvocationRecord, RunPatch, RunRecord, RunStatus } from "../store/types.js";
import { retryDelay } from "./backoff.js";
import { runHttp } from "./http.js";
import { commandInvocation, interpreterFor, invocationEnv, paramsToArgv } from "./invocation.js";
import { planInvocations, type PlannedInvocation } from "./plan.js";
import { describeFailure, startProcess, type RunningProcess } from "./process.js";

/** How long a finished run waits for its final record before announcing itself anyway. */
const FINAL_WRITE_WAIT_MS = 2_000;

export interface RunDeps {
  recorder: RunRecorder;
  bus: EventBus;
  clock: Clock;
  random: () => number;
  /** The daemon's environment, the base of every script's. */
  baseEnv: Record<string, string | undefined>;
  outputLimitBytes: number;
}

export interface RunRequest {
  task: TaskSpec;
  /** The run as created (status running), already submitted to the store. */
  run: RunRecord;
  scheduledAt: Date;
}

interface AttemptResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  output: string;
  http: HttpResult | null;
}

/**
 * One run of a task, from its first invocation to its final status, recorded as it goes. Scripts
 * run one after another and the first that fails (after its retries) fails the run; repeat items
 * are independent of each other, so each runs and any failure fails the run.
 */
export class TaskRun {
  private current: RunningProcess | null = null;
  private currentAbort: AbortController | null = null;
  private retryTimer: { handle: TimerHandle; wake: () => void } | null = null;
  private cancelledWith: { status: "cancelled" | "interrupted"; reason: string } | null = null;
  /** The invocations started so far, as recorded. */
  private readonly reached: InvocationRecord[] = [];
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
    const { bus, clock } = this.deps;
    bus.emit("run.started", {
      runId: run.id,
      task: task.name,
      at: run.startedAt ?? new Date(clock.now()).toISOString(),
      scheduledAt: run.scheduledAt,
      trigger: run.trigger,
    });

    const env = this.environment();
    let planned: PlannedInvocation[];
    try {
      planned = await planInvocations(task, env);
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
    let runOutput = "";
    let failure: { error: string; exitCode: number | null } | null = null;
    let http: HttpResult | null = null;
    let lastExitCode: number | null = null;
    const reached = this.reached;

    for (const [i, plan] of planned.entries()) {
      if (this.cancelledWith) break;
      if (failure && plan.kind === "script" && plan.group === "scripts") break;
      const record = invocations[i]!;
      reached.push(record);
      record.startedAt = new Date(clock.now()).toISOString();
      this.record({ invocations: reached });

      const result = await this.invokeWithRetries(plan, record, env);
      record.finishedAt = new Date(clock.now()).toISOString();
      record.exitCode = result.exitCode;
      record.signal = result.signal;
      record.error = result.error;
      record.output = result.output;
      record.status = result.ok ? "succeeded" : this.cancelledWith ? "cancelled" : "failed";
      runOutput = keepTail(runOutput + result.output, this.deps.outputLimitBytes);
      if (result.http) http = result.http;
      lastExitCode = result.exitCode;
      if (!result.ok && !this.cancelledWith) failure = { error: `${plan.target}: ${result.error}`, exitCode: result.exitCode };
      if (failure && plan.kind === "script" && plan.group === "scripts") break;
    }

    const attempts = Math.max(0, ...reached.map((r) => r.attempts));
    const common = { invocations: reached, attempts, output: runOutput, http, exitCode: failure?.exitCode ?? lastExitCode };
    if (this.cancelledWith) return this.finish(this.cancelledWith.status, { ...common, error: this.cancelledWith.reason });
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
      bus.emit("run.retrying", {
        runId,
        task: task.name,
        at: new Date(clock.now()).toISOString(),
        invocation: record.index,
        attempt,
        delayMs,
        error: result.error ?? "failed",
      });
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
    const at = () => new Date(clock.now()).toISOString();
    const started = clock.now();

    if (plan.kind === "http") {
      bus.emit("invocation.started", { runId, task: task.name, at: at(), invocation: index, attempt, target: plan.target, argv: [] });
      this.currentAbort = new AbortController();
      const outcome = await runHttp(plan.http, this.currentAbort.signal, this.deps.outputLimitBytes);
      this.currentAbort = null;
      bus.emit("invocation.finished", {
        runId, task: task.name, at: at(), invocation: index, attempt,
        exitCode: null, signal: null, error: outcome.error, durationMs: clock.now() - started,
      });
      return { ok: outcome.error === null, exitCode: null, signal: null, error: outcome.error, output: outcome.result?.body ?? "", http: outcome.result };
    }

    const templateCtx: TemplateContext = { task: task.name, runId, attempt, scheduledAt, timezone: task.timezone, env };
    const params =
      plan.kind !== "script" ? [] : plan.templated ? plan.params.map(([k, v]) => [k, renderTemplate(v, templateCtx)] as [string, string]) : plan.params;
    // The record shows what the script got, not the templates it came from.
    const record = this.reached.find((r) => r.index === index);
    if (record) record.params = params;
    const base = plan.kind === "script" ? interpreterFor(task.type, plan.path) : commandInvocation(plan.command);
    const args = [...base.args, ...paramsToArgv(params)];
    bus.emit("invocation.started", { runId, task: task.name, at: at(), invocation: index, attempt, target: plan.target, argv: [base.command, ...args] });

    this.current = startProcess({
      command: base.command,
      args,
      cwd: task.cwd,
      env: invocationEnv({ base: this.deps.baseEnv, taskEnv: task.env, task: task.name, runId, scheduledAt, attempt, params }),
      timeoutMs: task.timeoutMs,
      killGraceMs: task.killGraceMs,
      outputLimitBytes: this.deps.outputLimitBytes,
      onLine: (stream, line) => bus.emit("invocation.output", { runId, task: task.name, at: at(), invocation: index, stream, line }),
    });
    const outcome = await this.current.done;
    this.current = null;
    const error = describeFailure(outcome, task.timeoutMs);
    bus.emit("invocation.finished", {
      runId, task: task.name, at: at(), invocation: index, attempt,
      exitCode: outcome.exitCode, signal: outcome.signal, error, durationMs: outcome.durationMs,
    });
    if (outcome.leakedDescendants) {
      bus.emit("log", { level: "warn", task: task.name, runId, message: `${plan.target} exited but left background processes holding its output; no longer reading them` });
    }
    return { ok: error === null, exitCode: outcome.exitCode, signal: outcome.signal, error, output: outcome.output, http: null };
  }

  private environment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.deps.baseEnv)) if (value !== undefined) env[key] = value;
    return { ...env, ...this.request.task.env };
  }

  /** Updates the run in memory (the truth while it runs) and queues the change for the store. */
  private record(patch: RunPatch): void {
    Object.assign(this.request.run, patch);
    void this.deps.recorder.submit({ kind: "update", id: this.runId, patch });
  }

  /**
   * The final state is committed before the run's last event goes out, so a listener that reads
   * the store (`getResults`) sees it finished; a store that cannot take it holds nobody up for long.
   */
  private async finish(status: RunStatus, patch: RunPatch): Promise<RunRecord> {
    const { task } = this.request;
    const runId = this.runId;
    const { bus, clock } = this.deps;
    const at = new Date(clock.now()).toISOString();
    const final = { ...patch, status, finishedAt: at };
    Object.assign(this.request.run, final);
    await this.deps.recorder.submitAndWait({ kind: "update", id: runId, patch: final }, FINAL_WRITE_WAIT_MS);
    const run = structuredClone(this.request.run);
    if (status === "succeeded") bus.emit("run.succeeded", { runId, task: task.name, at, run });
    else if (status === "failed") bus.emit("run.failed", { runId, task: task.name, at, run });
    else if (status === "cancelled") bus.emit("run.cancelled", { runId, task: task.name, at, reason: run.error ?? "cancelled" });
    else if (status === "interrupted") bus.emit("run.interrupted", { runId, task: task.name, at });
    return run;
  }
}

/** The last `limit` characters, cut at a line start when one is near, so a tail reads cleanly. */
function keepTail(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const tail = text.slice(-limit);
  const newline = tail.indexOf("\n");
  return newline >= 0 && newline < 200 ? tail.slice(newline + 1) : tail;
}
