/** A run as lists show it (the dashboard's tables and timeline): its state and times, not its output. */
import type { RunRecord, StepRecord } from "../store/types.js";

/** Errors can be long (a stack, a failed command's stderr); a list needs the first line or so. */
const ERROR_CHARS = 300;

export type RunSummary = Omit<RunRecord, "output" | "http" | "steps" | "invocations" | "messages" | "notifications"> & {
  steps: Array<Pick<StepRecord, "name" | "status" | "startedAt" | "finishedAt">>;
};

export function runSummary(run: RunRecord): RunSummary {
  const { output: _output, http: _http, steps, invocations: _invocations, messages: _messages, notifications: _notifications, ...rest } = run;
  return {
    ...rest,
    error: rest.error !== null && rest.error.length > ERROR_CHARS ? `${rest.error.slice(0, ERROR_CHARS)}…` : rest.error,
    steps: steps.map(({ name, status, startedAt, finishedAt }) => ({ name, status, startedAt, finishedAt })),
  };
}

/** A run as a cell of a strip of recent runs shows it: what it was, how it ended, when. */
export type RunBrief = Pick<RunRecord, "id" | "trigger" | "status" | "scheduledAt" | "startedAt" | "finishedAt">;

export function runBrief({ id, trigger, status, scheduledAt, startedAt, finishedAt }: RunRecord): RunBrief {
  return { id, trigger, status, scheduledAt, startedAt, finishedAt };
}
