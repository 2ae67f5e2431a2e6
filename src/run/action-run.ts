import type { TaskSpec } from "../config/model.js";
import { renderTemplate, type TemplateContext } from "../config/templates.js";
import type { EventBus } from "../events/bus.js";
import type { HttpResult, InvocationRecord } from "../store/types.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { formatDuration } from "../time/duration.js";
import { retryDelay } from "./backoff.js";
import { describeFailure } from "./describe-failure.js";
import { taskEnvironment } from "./environment.js";
import type { Executor, RunningProcess } from "./executor.js";
import { runHttp } from "./http.js";
import { commandInvocation, interpreterFor, invocationEnv, paramsToArgv, withPythonSdk, type InvocationEnvOptions } from "./invocation.js";
import { tailOf } from "./output-tail.js";
import { planInvocations, type PlannedInvocation } from "./plan.js";

/** What every run of an action needs. */
export interface ActionDeps {
  executor: Executor;
  bus: EventBus;
  clock: Clock;
  random: () => number;
  /** The daemon's environment, the base of every script's. */
  baseEnv: Record<string, string | undefined>;
  outputLimitBytes: number;
  /** What a run's scripts get from the engine itself: where to report to (ORCHESTRATE_STATE, the API's URL and a token). */
  runEnv?: (runId: number) => Record<string, string>;
  /** Called when a run's scripts are done, before it is announced: messages they reported last are announced first. */
  beforeEnd?: (runId: number) => Promise<void>;
}

export interface ActionContext {
  /** The task (or workflow step) whose action runs. */
  task: TaskSpec;
  runId: number;
  scheduledAt: Date;
  /** How events and logs name it: the task, or the workflow and its step. */
  label: { task: string; step?: string };
  /** Added to each script's environment last (a step's inputs, its output file). */
  extraEnv?: Record<string, string>;
  /** `{{ steps.STEP.KEY }}`: the outputs of the steps before it. */
  steps?: Record<string, Record<string, string>>;
}

export interface ActionProgress {
  /** The invocations reached so far changed (one started, one failed an attempt). */
  invocations(invocations: InvocationRecord[], attempts: number): void;
  /** An attempt failed and another comes after `delayMs`. */
  retrying(info: { invocation: number; attempt: number; delayMs: number; error: string }): void;
  /** A line the running script printed (for a live view of its output). */
  line?(line: string): void;
}

export interface ActionOutcome {
  status: "succeeded" | "failed" | "cancelled" | "interrupted";
  error: string | null;
  /** Why a cancelled run went no further (the error is then its last attempt's failure). */
  reason: string | null;
  exitCode: number | null;
  attempts: number;
  output: string;
  http: HttpResult | null;
  invocations: InvocationRecord[];
  /** What a function step returned (a script step's outputs are read from its output file). */
  outputs: Record<string, string> | null;
}

interface AttemptResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  output: string;
  http: HttpResult | null;
  outputs: Record<string, string> | null;
  /** The attempt was still going when the run was cancelled: its failure is the cancel's doing. */
  byCancel: boolean;
}

/**
 * The body of a run: a task's (or a step's) action, invocation by invocation, each retried as the
 * task says, cancellable at any point. Scripts run one after another and the first that fails
 * (after its retries) ends it; repeat items are independent of each other, so each runs and any
 * failure fails the whole. What it reaches is reported as it goes; the record is the caller's.
 */
export class ActionRun {
  /** The task's environment, made once when the run starts (environment.ts). */
  private taskEnv: Record<string, string> = {};
  private current: RunningProcess | null = null;
  private currentAbort: AbortController | null = null;
  private retryTimer: { handle: TimerHandle; wake: () => void } | null = null;
  private cancelledWith: { status: "cancelled" | "interrupted"; reason: string } | null = null;
  private readonly reached: InvocationRecord[] = [];

  constructor(
    private readonly context: ActionContext,
    private readonly deps: ActionDeps,
    private readonly progress: ActionProgress,
  ) {}

  /** Whether it waits between attempts: nothing of it runs. */
  get inBackoff(): boolean {
    return this.retryTimer !== null;
  }

  get cancelled(): boolean {
    return this.cancelledWith !== null;
  }

  /** Stops it: the current process group gets SIGTERM, then SIGKILL after `graceMs`; nothing further starts. */
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

  async run(): Promise<ActionOutcome> {
    const { task } = this.context;
    const empty = { exitCode: null, attempts: 0, output: "", http: null, invocations: [], outputs: null, reason: null };
    let planned: PlannedInvocation[];
    try {
      // The env file is read here, once per run: a file it cannot read fails the run, saying which.
      this.taskEnv = taskEnvironment(this.deps.baseEnv, task);
      planned = await planInvocations(task, this.taskEnv, this.deps.executor);
    } catch (error) {
      return { ...empty, status: "failed", error: (error as Error).message };
    }

    const outputs: string[] = [];
    let failure: { error: string; exitCode: number | null } | null = null;
    let lastError: string | null = null;
    let http: HttpResult | null = null;
    let returned: Record<string, string> | null = null;
    let lastExitCode: number | null = null;
    const reached = this.reached;

    for (const [i, plan] of planned.entries()) {
      if (this.cancelledWith) break;
      const record: InvocationRecord = {
        index: i + 1,
        target: plan.target,
        params: plan.kind === "script" ? plan.params : [],
        status: "running",
        attempts: 0,
        exitCode: null,
        signal: null,
        error: null,
        output: "",
        startedAt: this.now(),
        finishedAt: null,
      };
      reached.push(record);
      this.progress.invocations(reached, this.attempts());

      const result = await this.invokeWithRetries(plan, record, this.taskEnv);
      record.finishedAt = this.now();
      record.exitCode = result.exitCode;
      record.signal = result.signal;
      record.error = result.error;
      record.output = result.output;
      record.status = result.ok ? "succeeded" : this.cancelledWith ? "cancelled" : "failed";
      if (result.output !== "") outputs.push(result.output);
      if (result.http) http = result.http;
      if (result.outputs) returned = Object.assign(returned ?? Object.create(null), result.outputs);
      lastExitCode = result.exitCode;
      // An attempt that failed on its own, not one the cancel stopped (which only says "cancelled").
      if (!result.ok && !result.byCancel) {
        lastError = `${plan.target}: ${result.error}`;
        failure = { error: lastError, exitCode: result.exitCode };
      }
      if (failure && plan.kind === "script" && plan.group === "scripts") break;
    }

    // Invocations keep their own line boundaries: one's last line never runs into the next one's first.
    const common = {
      invocations: reached,
      attempts: this.attempts(),
      output: tailOf(outputs.join("\n"), this.deps.outputLimitBytes),
      http,
      outputs: returned,
      exitCode: failure?.exitCode ?? lastExitCode,
    };
    if (this.cancelledWith) {
      // Stopped while waiting to retry: the error is what failed, the reason is why it went no further.
      const { status, reason } = this.cancelledWith;
      return lastError ? { ...common, status, error: lastError, reason } : { ...common, status, error: reason, reason: null };
    }
    if (failure) return { ...common, status: "failed", error: failure.error, reason: null };
    return { ...common, status: "succeeded", error: null, reason: null };
  }

  private attempts(): number {
    return Math.max(0, ...this.reached.map((r) => r.attempts));
  }

  private async invokeWithRetries(plan: PlannedInvocation, record: InvocationRecord, env: Record<string, string>): Promise<AttemptResult> {
    const { task } = this.context;
    const maxAttempts = task.retries + 1;
    let result: AttemptResult;
    for (let attempt = 1; ; attempt++) {
      record.attempts = attempt;
      result = await this.attempt(plan, record, attempt, env);
      if (result.ok || this.cancelledWith || attempt >= maxAttempts) return result;
      const delayMs = retryDelay(attempt, task.retryDelayMs, task.retryMaxDelayMs, this.deps.random);
      record.error = result.error;
      this.progress.retrying({ invocation: record.index, attempt, delayMs, error: result.error ?? "failed" });
      this.progress.invocations(this.reached, attempt);
      await new Promise<void>((resolve) => {
        this.retryTimer = { handle: this.deps.clock.setTimer(delayMs, resolve), wake: resolve };
      });
      this.retryTimer = null;
      if (this.cancelledWith) return result;
    }
  }

  private async attempt(plan: PlannedInvocation, record: InvocationRecord, attempt: number, env: Record<string, string>): Promise<AttemptResult> {
    const { task, runId, scheduledAt, label } = this.context;
    const { bus, clock } = this.deps;
    const index = record.index;
    const started = clock.now();
    const event = { runId, task: label.task, ...(label.step !== undefined && { step: label.step }), invocation: index, attempt };

    if (plan.kind === "http" || plan.kind === "function") {
      bus.emit("invocation.started", { ...event, at: this.now(), target: plan.target, argv: [] });
      this.currentAbort = new AbortController();
      const outcome =
        plan.kind === "http"
          ? await runHttp(plan.http, this.currentAbort.signal, this.deps.outputLimitBytes)
          : await this.runFunction(plan.run, this.currentAbort.signal, attempt);
      this.currentAbort = null;
      bus.emit("invocation.finished", { ...event, at: this.now(), exitCode: null, signal: null, error: outcome.error, durationMs: clock.now() - started });
      const byCancel = this.cancelledWith !== null;
      const result = "result" in outcome ? outcome.result : null;
      const outputs = "outputs" in outcome ? outcome.outputs : null;
      return { ok: outcome.error === null, exitCode: null, signal: null, error: outcome.error, output: result?.body ?? "", http: result, outputs, byCancel };
    }

    const templateCtx: TemplateContext = { task: label.task, runId, attempt, scheduledAt, timezone: task.timezone, env, steps: this.context.steps };
    const params =
      plan.kind !== "script" ? [] : plan.templated ? plan.params.map(([k, v]) => [k, renderTemplate(v, templateCtx)] as [string, string]) : plan.params;
    // The record shows what the script got, not the templates it came from.
    record.params = params;
    const base = plan.kind === "script" ? interpreterFor(task.type, plan.path) : commandInvocation(plan.command, params.length > 0);
    const args = [...base.args, ...paramsToArgv(params)];
    bus.emit("invocation.started", { ...event, at: this.now(), target: plan.target, argv: [base.command, ...args] });
    let notLogged = 0;

    this.current = this.deps.executor.start({
      command: base.command,
      args,
      fallback: base.fallback,
      cwd: task.cwd,
      account: task.account,
      env: this.environmentFor(plan, {
        taskEnv: this.taskEnv,
        task: label.task,
        runId,
        scheduledAt,
        attempt,
        params,
        extra: { ...this.deps.runEnv?.(runId), ...this.context.extraEnv },
      }),
      timeoutMs: task.timeoutMs,
      killGraceMs: task.killGraceMs,
      outputLimitBytes: this.deps.outputLimitBytes,
      // Per line of output, so kept lean: a chatty script's speed is bounded by this (no spread of
      // the event, one timestamp string per millisecond).
      onLine: (stream, line) => {
        bus.emit("invocation.output", { runId: event.runId, task: event.task, step: event.step, invocation: event.invocation, at: this.now(), stream, line });
        this.progress.line?.(line);
      },
      onGap: (stream, bytes) => {
        // Once per invocation: a flood that outruns the daemon would otherwise fill the log with this.
        if (notLogged++ === 0) bus.emit("log", { level: "warn", task: label.task, runId, message: `${bytes} bytes of ${stream} were not logged: the daemon could not keep up (the run's recorded output keeps the tail)` });
      },
    });
    const outcome = await this.current.done;
    this.current = null;
    const error = describeFailure(outcome, task.timeoutMs);
    bus.emit("invocation.finished", { ...event, at: this.now(), exitCode: outcome.exitCode, signal: outcome.signal, error, durationMs: outcome.durationMs });
    if (outcome.leakedDescendants) {
      bus.emit("log", { level: "warn", task: label.task, runId, message: `${plan.target} exited but left background processes holding its output; no longer reading them` });
    }
    return { ok: error === null, exitCode: outcome.exitCode, signal: outcome.signal, error, output: outcome.output, http: null, outputs: null, byCancel: outcome.cancelled };
  }

  /**
   * A step given as a JavaScript function (the library's workflows): it gets the outputs of the
   * steps before it and an AbortSignal that fires at its timeout or when the run is stopped.
   */
  private async runFunction(
    fn: Extract<PlannedInvocation, { kind: "function" }>["run"],
    cancel: AbortSignal,
    attempt: number,
  ): Promise<{ outputs: Record<string, string> | null; error: string | null }> {
    const { task, runId } = this.context;
    const timeout = task.timeoutMs === null ? null : AbortSignal.timeout(task.timeoutMs);
    const signal = timeout ? AbortSignal.any([cancel, timeout]) : cancel;
    const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    try {
      const returned = await Promise.race([fn(structuredClone(this.context.steps ?? {}), { signal, runId, attempt }), aborted]);
      return { outputs: stringValues(returned), error: null };
    } catch (error) {
      if (timeout?.aborted) return { outputs: null, error: `timed out after ${formatDuration(task.timeoutMs!)}` };
      if (cancel.aborted) return { outputs: null, error: "cancelled" };
      return { outputs: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private environmentFor(plan: PlannedInvocation, options: InvocationEnvOptions): Record<string, string> {
    const env = invocationEnv(options);
    return plan.kind === "script" && this.context.task.type === "python" ? withPythonSdk(env) : env;
  }

  private now(): string {
    const ms = this.deps.clock.now();
    if (ms !== this.nowMs) {
      this.nowMs = ms;
      this.nowText = new Date(ms).toISOString();
    }
    return this.nowText;
  }

  private nowMs = Number.NaN;
  private nowText = "";
}

/** A function step's return value as outputs: each value as text (objects as JSON). */
function stringValues(value: unknown): Record<string, string> | null {
  if (value === null || value === undefined || typeof value !== "object" || Array.isArray(value)) return null;
  const outputs: Record<string, string> = Object.create(null);
  for (const [key, item] of Object.entries(value)) outputs[key] = typeof item === "string" ? item : JSON.stringify(item);
  return outputs;
}
