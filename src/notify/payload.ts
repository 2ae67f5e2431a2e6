/**
 * What a notification says (SPEC §3 `notify:`): one JSON object per run event, the same for
 * webhooks and commands, so a receiver written for one works for the other.
 */
import type { NotifyEvent } from "../config/model.js";
import type { OrchestratorEvents } from "../events/types.js";
import type { RunRecord } from "../store/types.js";

/** Bus events that notify, by the short names `events:` filters on. */
export const NOTIFYING: Record<NotifyEvent, keyof OrchestratorEvents> = {
  started: "run.started",
  retrying: "run.retrying",
  succeeded: "run.succeeded",
  failed: "run.failed",
  skipped: "run.skipped",
  cancelled: "run.cancelled",
  interrupted: "run.interrupted",
  missed: "run.missed",
  late: "run.late",
  message: "run.message",
};

export interface NotificationBody {
  /** run.started, run.failed … */
  event: string;
  /** Unique per notification: a receiver can drop one it got twice (a retried delivery). */
  id: string;
  runId: number | null;
  task: string;
  status: string | null;
  trigger: string | null;
  scheduledAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  attempt: number | null;
  exitCode: number | null;
  error: string | null;
  message: string | null;
  host: string;
  at: string;
}

/** The body for one bus event; `run` is the run as the engine last knew it, when it has one at hand. */
export function notificationBody(event: string, data: Record<string, unknown>, id: string, host: string): NotificationBody {
  const run = data.run as RunRecord | undefined;
  const pick = <T>(key: string): T | null => (data[key] as T | undefined) ?? null;
  return {
    event,
    id,
    runId: (data.runId as number | null | undefined) ?? null,
    task: data.task as string,
    status: run?.status ?? pick<string>("status") ?? statusOf(event),
    trigger: run?.trigger ?? pick<string>("trigger"),
    scheduledAt: run?.scheduledAt ?? pick<string>("scheduledAt"),
    startedAt: run?.startedAt ?? (event === "run.started" ? pick<string>("at") : null),
    finishedAt: run?.finishedAt ?? null,
    attempt: run?.attempts ?? pick<number>("attempt"),
    exitCode: run?.exitCode ?? null,
    error: run?.error ?? pick<string>("error") ?? pick<string>("reason"),
    message: pick<string>("message"),
    host,
    at: data.at as string,
  };
}

function statusOf(event: string): string | null {
  const status = event.replace(/^run\./, "");
  return ["started", "retrying"].includes(status) ? "running" : ["late", "message"].includes(status) ? null : status;
}
