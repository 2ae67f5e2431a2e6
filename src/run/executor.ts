/**
 * The executor port: how the engine starts a process and stops every one it started. Runs, skip
 * commands and params_from programs reach processes only through it, so the engine can run them
 * in this process (LocalExecutor), in a separate spawner process, or not at all (a fake in tests).
 */
import type { OutputStream } from "./output-reader.js";

export interface ProcessSpec {
  command: string;
  /** Passed as argv, never through a shell. */
  args: string[];
  /** Started instead when `command` cannot be started at all (a plain command line bash must run after all). */
  fallback?: { command: string; args: string[] };
  cwd: string;
  /** The complete environment: nothing is inherited implicitly. */
  env: Record<string, string>;
  /** null: no limit. At the limit the process group gets SIGTERM, then SIGKILL after killGraceMs. */
  timeoutMs: number | null;
  killGraceMs: number;
  /** The tail of the output kept in the outcome. */
  outputLimitBytes: number;
  /** Every line of output as it arrives (lines over 64 KiB come in pieces). */
  onLine?: (stream: OutputStream, line: string) => void;
  /** The raw bytes as they arrive, for callers that parse a program's stdout (params_from). */
  onChunk?: (stream: OutputStream, chunk: Buffer) => void;
  /** Output that was read but not passed on to onLine/onChunk (the daemon could not keep up); the outcome's tail still has it. */
  onGap?: (stream: OutputStream, bytes: number) => void;
  /** Run as this account (`user:`): needs the daemon to run as root. */
  account?: { uid: number; gid: number } | null;
  /** The process's stdin (it reads this text, then end of file); without it stdin is /dev/null. */
  stdin?: string;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError: string | null;
  /** Tail of stdout and stderr interleaved by arrival, at most outputLimitBytes, cut at a line/char boundary. */
  output: string;
  /** The script exited but processes it started still held its output open; they were left running. */
  leakedDescendants: boolean;
  /** From start until the script itself exited. */
  durationMs: number;
  pid: number | undefined;
}

export interface RunningProcess {
  pid: number | undefined;
  /** Resolves exactly once, never rejects. */
  done: Promise<ProcessOutcome>;
  /** SIGTERM to the whole group, SIGKILL after graceMs; the outcome says cancelled. */
  cancel(graceMs: number): void;
  /** SIGKILL to the whole group, now. */
  kill(): void;
}

export interface Executor {
  /** Starts a process in a process group of its own; never throws (a failure to start is an outcome). */
  start(spec: ProcessSpec): RunningProcess;
  /** SIGKILLs the group of every process started and not finished yet; returns how many. */
  killAll(): number;
  /** How many processes started by this executor have not finished. */
  running(): number;
}
