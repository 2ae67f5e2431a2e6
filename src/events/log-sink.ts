import type { Writable } from "node:stream";
import { Chalk, type ChalkInstance } from "chalk";
import type { EventBus } from "./bus.js";
import type { RunRecord } from "../store/types.js";
import { formatDuration } from "../time/duration.js";
import type { LogLevel } from "./types.js";

export type LogFormat = "text" | "json";

export interface LogSinkOptions {
  stream: Writable & { isTTY?: boolean; writableLength?: number };
  format: LogFormat;
  color: boolean;
  level: LogLevel;
  /** Local time for people at a terminal, ISO UTC for files and journald. */
  now?: () => Date;
  /** journald: each line starts with its syslog priority (`<3>` for errors), so `journalctl -p err` finds them. */
  priorityPrefix?: boolean;
}

/** syslog priorities (sd-daemon(3)): err, warning, info, debug. */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/**
 * Above this much unwritten log output, script output lines are dropped (and counted) instead of
 * queued. Small, because a queued line costs far more than its bytes: each is a write request that
 * lives long enough to be promoted to the old generation. A flood of 100-byte lines into a pipe
 * peaked at ~220 MB of RSS with 4 MiB, at ~110 MB with 256 KiB (bench/scenarios/output-flood.mjs).
 */
const BACKLOG_LIMIT = 256 * 1024;
/** Log text gathered in one turn of the event loop is written at once, or at this size. */
const FLUSH_AT = 64 * 1024;

interface Line {
  level: LogLevel;
  message: string;
  task?: string;
  runId?: number;
  /** A workflow's step. */
  step?: string;
  fields?: Record<string, unknown>;
}

/**
 * Turns bus events into log lines. Script output can be a flood (1 GB in a minute): when the log
 * stream cannot keep up, output lines are dropped and counted rather than buffered in memory.
 */
export function attachLogSink(bus: EventBus, options: LogSinkOptions): () => void {
  const chalk: ChalkInstance = new Chalk({ level: options.color ? 1 : 0 });
  const threshold = LEVELS[options.level];
  const now = options.now ?? (() => new Date());
  let dropped = 0;

  // Lines written in one turn of the event loop go out in one write: a pipe to journald is
  // synchronous on Linux, and a write per line of a chatty script cost more than all else together.
  let pending = "";
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    options.stream.write(text);
  };
  process.on("exit", flush);
  const write = (line: Line) => {
    if (LEVELS[line.level] < threshold) return;
    const text = options.format === "json" ? jsonLine(line, now()) : textLine(line, now(), chalk, options.color);
    pending += options.priorityPrefix ? `<${PRIORITY[line.level]}>${text}` : text;
    if (pending.length >= FLUSH_AT) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const run = (level: LogLevel, e: { task: string; runId: number; step?: string }, message: string) =>
    write({ level, message, task: e.task, runId: e.runId, step: e.step });
  const unsubscribers = [
    bus.on("log", (e) => write(e)),
    bus.on("run.started", (e) => run("info", e, `started (${e.trigger}${e.scheduledAt ? `, scheduled ${e.scheduledAt}` : ""})`)),
    bus.on("run.succeeded", (e) => run("info", e, `succeeded${took(e.run)}${attempts(e.run.attempts)}`)),
    bus.on("run.failed", (e) => run("error", e, `failed${took(e.run)}${attempts(e.run.attempts)}: ${e.run.error ?? "unknown error"}`)),
    bus.on("run.skipped", (e) => run("info", e, `skipped: ${e.reason}`)),
    bus.on("run.cancelled", (e) => run("warn", e, `cancelled: ${e.reason}`)),
    bus.on("run.interrupted", (e) => run("warn", e, "interrupted: the daemon stopped while it ran")),
    bus.on("run.missed", (e) => run("warn", e, `missed ${e.count} fire(s) between ${e.from} and ${e.to}`)),
    bus.on("run.late", (e) =>
      write({ level: "warn", task: e.task, runId: e.runId ?? undefined, message: `late: not finished ${formatDuration(e.deadlineMs)} after its fire of ${e.scheduledAt} (deadline)` }),
    ),
    bus.on("run.retrying", (e) =>
      run("warn", e, `attempt ${e.attempt} failed (${e.error}); retrying in ${formatDuration(e.delayMs)}`),
    ),
    bus.on("step.started", (e) => run("debug", e, "started")),
    bus.on("step.succeeded", (e) => run("info", e, `succeeded${Object.keys(e.outputs).length ? ` (outputs: ${Object.keys(e.outputs).join(", ")})` : ""}`)),
    bus.on("step.failed", (e) => run("warn", e, `failed: ${e.error}`)),
    bus.on("step.skipped", (e) => run("info", e, `skipped: ${e.reason}`)),
    bus.on("step.cancelled", (e) => run("warn", e, `stopped: ${e.reason}`)),
    bus.on("step.retrying", (e) => run("warn", e, `attempt ${e.attempt} failed (${e.error}); retrying in ${formatDuration(e.delayMs)}`)),
    bus.on("step.rollback", (e) =>
      run(e.status === "failed" ? "error" : "info", e, e.status === "running" ? "rolling back" : `rollback ${e.status}${e.error ? `: ${e.error}` : ""}`),
    ),
    bus.on("invocation.started", (e) => run("debug", e, `exec ${e.argv.map((a) => JSON.stringify(a)).join(" ")} (attempt ${e.attempt})`)),
    bus.on("invocation.output", (e) => {
      if (LEVELS.info < threshold) return;
      if ((options.stream.writableLength ?? 0) + pending.length > BACKLOG_LIMIT) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        write({ level: "warn", message: `${dropped} output lines were not logged: the log could not keep up`, task: e.task, runId: e.runId });
        dropped = 0;
      }
      write({ level: "info", message: e.line, task: e.task, runId: e.runId, step: e.step, fields: { stream: e.stream, invocation: e.invocation } });
    }),
  ];
  return () => {
    unsubscribers.forEach((off) => off());
    flush();
    process.off("exit", flush);
  };
}

function took(run: RunRecord): string {
  if (!run.startedAt || !run.finishedAt) return "";
  return ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}`;
}

function attempts(n: number): string {
  return n > 1 ? ` after ${n} attempts` : "";
}

function jsonLine(line: Line, at: Date): string {
  return (
    JSON.stringify({
      time: at.toISOString(),
      level: line.level,
      ...(line.task !== undefined && { task: line.task }),
      ...(line.runId !== undefined && { runId: line.runId }),
      ...(line.step !== undefined && { step: line.step }),
      msg: line.message,
      ...line.fields,
    }) + "\n"
  );
}

const LEVEL_LABEL: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO ", warn: "WARN ", error: "ERROR" };

function textLine(line: Line, at: Date, chalk: ChalkInstance, tty: boolean): string {
  const time = tty ? at.toTimeString().slice(0, 8) : at.toISOString();
  const paint = { debug: chalk.gray, info: chalk.cyan, warn: chalk.yellow, error: chalk.red }[line.level];
  const who =
    line.task !== undefined ? chalk.bold(`[${line.task}${line.runId !== undefined ? `#${line.runId}` : ""}${line.step !== undefined ? ` ${line.step}` : ""}]`) + " " : "";
  const isOutput = line.fields?.stream !== undefined;
  const stream = isOutput ? chalk.gray(line.fields?.stream === "stderr" ? "stderr| " : "stdout| ") : "";
  return `${chalk.gray(time)} ${paint(LEVEL_LABEL[line.level])} ${who}${stream}${line.message}\n`;
}
