import type { RunRecord } from "../store/types.js";

/**
 * Everything the engine does is announced on the event bus; logging, the event journal (and later
 * webhooks and metrics) are sinks that listen. Run records are written directly, through the
 * recorder. Event names are the user's words (SPEC: run.started, run.succeeded, run.failed, …).
 */
export interface RunEventBase {
  runId: number;
  task: string;
  at: string;
}

/** A step of a workflow run: `task` is the workflow. */
export interface StepEventBase extends RunEventBase {
  step: string;
}

export interface OrchestratorEvents {
  "run.started": RunEventBase & { scheduledAt: string | null; trigger: RunRecord["trigger"] };
  "run.succeeded": RunEventBase & { run: RunRecord };
  "run.failed": RunEventBase & { run: RunRecord };
  "run.skipped": RunEventBase & { reason: string; scheduledAt: string | null };
  "run.cancelled": RunEventBase & { reason: string };
  "run.interrupted": RunEventBase;
  "run.missed": RunEventBase & { count: number; from: string; to: string };
  /** Not succeeded `deadlineMs` after its fire (still running or waiting its turn: no run id yet). */
  "run.late": { runId: number | null; task: string; at: string; scheduledAt: string; deadlineMs: number };
  /** A running script reported on itself (`orchestrate report`): a message, a status, or both. */
  "run.message": RunEventBase & { status: RunRecord["status"] | null; message: string | null };
  "run.retrying": RunEventBase & { invocation: number; attempt: number; delayMs: number; error: string };
  "step.started": StepEventBase;
  "step.succeeded": StepEventBase & { outputs: Record<string, string> };
  "step.failed": StepEventBase & { error: string };
  "step.skipped": StepEventBase & { reason: string };
  "step.cancelled": StepEventBase & { reason: string };
  "step.retrying": StepEventBase & { invocation: number; attempt: number; delayMs: number; error: string };
  /** A step's rollback started (running) or ended. */
  "step.rollback": StepEventBase & { status: "running" | "succeeded" | "failed" | "interrupted"; error: string | null };
  "invocation.started": RunEventBase & { step?: string; invocation: number; attempt: number; target: string; argv: string[] };
  "invocation.finished": RunEventBase & {
    step?: string;
    invocation: number;
    attempt: number;
    exitCode: number | null;
    signal: string | null;
    error: string | null;
    durationMs: number;
  };
  "invocation.output": RunEventBase & { step?: string; invocation: number; stream: "stdout" | "stderr"; line: string };
  /** A notification was delivered to a webhook or command, or given up after its attempts. */
  "notify.delivered": { destination: string; event: string; ok: boolean; attempts: number; runId: number | null; task: string; detail: string };
  /** The daemon is up: its configuration is loaded, its store open, its schedule armed. */
  "daemon.started": { at: string; tasks: number; workflows: number };
  /** A stop began (SIGTERM, stop()): no new runs. */
  "daemon.stopping": { at: string; running: number };
  log: { level: LogLevel; message: string; task?: string; runId?: number; fields?: Record<string, unknown> };
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type OrchestratorEventName = keyof OrchestratorEvents;
