import { statSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { MAX_TIMER_MS } from "../time/clock.js";
import { OutputReader } from "./output-reader.js";
import { ChunkTail } from "./chunk-tail.js";
import { OutputTail } from "./output-tail.js";
import { ProcessGroup } from "./process-group.js";
import { closeQuietly, openStdinFile } from "./stdin-file.js";

import type { ProcessOutcome, ProcessSpec, RunningProcess } from "./executor.js";
import type { OutputStream } from "./output-reader.js";

/**
 * Starting a process, apart from what starts it: its own process group, our timeout, pipes read
 * line by line into a bounded tail, the group's end awaited. The daemon's spawner starts children
 * with plain child_process (a small process, where every microsecond of a fork shows); commands
 * and the library start them with execa (process.ts). Nothing here loads either.
 */

/**
 * How long a finished script's pipes are still read. Whatever it printed just before exiting is
 * normally there within milliseconds; a pipe still open after this is held by a descendant that
 * outlived it, which could hold it for days.
 */
export const DRAIN_MS = 200;
/**
 * How often a terminating group is checked for survivors while its grace period runs: often at
 * first, when most scripts are gone, then less, as each check may read all of /proc.
 */
const GROUP_POLL_MS = { first: 20, max: 200 };

/** A started child, and what its failure to start was when it has no pid. */
export interface Launched {
  child: ChildProcess;
  /** Settles with the cause once the child failed to start (only asked when it has no pid). */
  failure(): Promise<unknown>;
}

/**
 * Starts `spec` with `launch` (given the stdin descriptor, or undefined for /dev/null) and
 * supervises it. Never throws: a failure to start is an outcome.
 */
export function superviseLaunch(spec: ProcessSpec, launch: (spec: ProcessSpec, stdinFd: number | undefined) => Launched): RunningProcess {
  const startedAt = performance.now();
  let launched: Launched;
  let stdinFd: number | undefined;
  try {
    stdinFd = spec.stdin === undefined ? undefined : openStdinFile(spec.stdin);
    // A line bash would have run gets the PWD bash would have given it.
    launched = launch(spec.fallback ? { ...spec, env: { ...spec.env, PWD: spec.cwd } } : spec, stdinFd);
    // Node knows at once that a program could not be started (it has no pid), and says why later.
    if (launched.child.pid === undefined && spec.fallback) {
      void launched.failure();
      launched = launch({ ...spec, ...spec.fallback, fallback: undefined }, stdinFd);
    }
  } catch (error) {
    // Arguments are checked synchronously (e.g. a NUL byte in an argument).
    return notStarted(spec, error, startedAt);
  } finally {
    // The child has its own copy of the descriptor by now.
    closeQuietly(stdinFd);
  }
  // A failed spawn has no pid; node emits the error on the next tick.
  const pid = launched.child.pid;
  if (pid === undefined) return notStarted(spec, launched.failure(), startedAt);
  children.add(pid);
  return supervise(spec, launched.child, pid, startedAt);
}

/** Processes this process started and Node has not seen exit yet: theirs to wait for, no one else's. */
const children = new Set<number>();

/** Whether `pid` is a child this process started and still waits for (a reaper must leave it alone). */
export function isOwnChild(pid: number): boolean {
  return children.has(pid);
}

/** A child started some other way (the spawner process), which node waits for: a reaper must leave it alone. */
export function markOwnChild(pid: number, own: boolean): void {
  if (own) children.add(pid);
  else children.delete(pid);
}

function supervise(spec: ProcessSpec, subprocess: ChildProcess, pid: number, startedAt: number): RunningProcess {
  const group = new ProcessGroup(pid);
  // Lines are made only for a caller that wants them; otherwise the tail is kept as chunks, and a
  // script that floods its pipe costs no work per line (the spawner's case).
  const lineTail = spec.onLine ? new OutputTail(spec.outputLimitBytes) : null;
  const chunkTail = lineTail ? null : new ChunkTail(spec.outputLimitBytes);
  const onLine = (stream: OutputStream, line: string): void => {
    lineTail!.push(line);
    try {
      spec.onLine!(stream, line);
    } catch {
      // A failing log sink must not take down the run, nor the daemon through an uncaught error.
    }
  };
  const onChunk = (stream: OutputStream, chunk: Buffer): void => {
    chunkTail?.push(stream, chunk);
    try {
      spec.onChunk?.(stream, chunk);
    } catch {
      // As for onLine: the caller's problem, not the run's.
    }
  };
  const readers = [
    new OutputReader(subprocess.stdout, "stdout", lineTail && onLine, onChunk),
    new OutputReader(subprocess.stderr, "stderr", lineTail && onLine, onChunk),
  ];
  let timedOut = false;
  let cancelled = false;
  let terminating = false;
  let exited = false;
  let settled = false;

  const timeout =
    spec.timeoutMs === null
      ? null
      : setTimeout(() => {
          if (terminating) return;
          timedOut = true;
          terminating = true;
          group.terminate(spec.killGraceMs);
        }, Math.min(Math.max(0, spec.timeoutMs), MAX_TIMER_MS));

  const done = new Promise<ProcessOutcome>((resolve) => {
    subprocess.once("exit", (exitCode: number | null, signal: NodeJS.Signals | null) => {
      exited = true;
      children.delete(pid);
      if (timeout) clearTimeout(timeout);
      const durationMs = performance.now() - startedAt;
      void (async () => {
        // A terminated group is given its grace period to go away as a whole.
        if (terminating) await groupGoneOrKilled(group);
        const leakedDescendants = await drain(readers);
        group.release();
        settled = true;
        resolve({
          exitCode,
          signal,
          timedOut,
          cancelled,
          spawnError: null,
          output: (lineTail ?? chunkTail!).text(),
          leakedDescendants,
          durationMs,
          pid,
        });
      })();
    });
  });

  return {
    pid,
    done,
    cancel(graceMs) {
      if (settled) return;
      // After the script itself exited, this only signals what is left of its group.
      if (!exited && !timedOut) cancelled = true;
      terminating = true;
      group.terminate(graceMs);
    },
    kill() {
      if (settled) return;
      if (!exited && !timedOut) cancelled = true;
      terminating = true;
      group.kill();
    },
  };
}

/** Waits until no process is left in the group, or until its SIGKILL has been sent. */
async function groupGoneOrKilled(group: ProcessGroup): Promise<void> {
  let killSent = false;
  void group.whenKillSent().then(() => (killSent = true));
  for (let wait = GROUP_POLL_MS.first; !killSent && group.isAlive(); wait = Math.min(wait * 2, GROUP_POLL_MS.max)) {
    await Promise.race([delay(wait), group.whenKillSent()]);
  }
}

/**
 * Reads what is left in the pipes for at most DRAIN_MS, then stops. True when a pipe was still
 * open: a descendant outlived the script. It is not killed: like under cron, a script may start
 * something on purpose that outlives it; the outcome records it.
 */
async function drain(readers: OutputReader[]): Promise<boolean> {
  const timer = new AbortController();
  await Promise.race([
    Promise.all(readers.map((reader) => reader.closed)),
    delay(DRAIN_MS, undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
  const leaked = readers.some((reader) => reader.open);
  for (const reader of readers) reader.stop();
  return leaked;
}

/** The outcome of a process that never ran to its end under supervision: it did not start, or whatever watched it is gone. */
export function unstartedOutcome(spawnError: string, durationMs: number, pid?: number): ProcessOutcome {
  return { exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError, output: "", leakedDescendants: false, durationMs, pid };
}

function notStarted(spec: ProcessSpec, cause: unknown, startedAt: number): RunningProcess {
  const outcome = (error: unknown) => unstartedOutcome(spawnErrorMessage(spec, error), performance.now() - startedAt);
  return { pid: undefined, done: Promise.resolve(cause).then(outcome, outcome), cancel() {}, kill() {} };
}

/** `could not start bash: ENOENT (...)`, naming the likelier cause: node says ENOENT for a missing cwd too. */
function spawnErrorMessage(spec: ProcessSpec, cause: unknown): string {
  const prefix = `could not start ${spec.command}`;
  if (!isDirectory(spec.cwd)) return `${prefix}: working directory ${spec.cwd} does not exist or is not a directory`;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return `${prefix}: ENOENT (no such file, or not found on PATH)`;
  if (code === "EACCES") return `${prefix}: EACCES (permission denied)`;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code ? `${prefix}: ${code} (${message})` : `${prefix}: ${message}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
