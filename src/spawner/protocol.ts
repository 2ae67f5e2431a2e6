/**
 * What the daemon and its spawner process say to each other, over node's IPC channel (JSON).
 * The daemon sends a start per process and learns its pid, its output and its outcome; the
 * spawner never decides anything: it starts, reads and stops what it is told to.
 */
import type { OutputStream } from "../run/output-reader.js";
import type { ProcessOutcome, ProcessSpec } from "../run/executor.js";

/** A process to start: the spec without its callbacks, and which of them the daemon listens to. */
export type WireSpec = Omit<ProcessSpec, "onLine" | "onChunk"> & { lines: boolean; chunks: boolean };

export type ToSpawner =
  | { type: "start"; id: number; spec: WireSpec }
  | { type: "cancel"; id: number; graceMs: number }
  | { type: "kill"; id: number };

export type FromSpawner =
  | { type: "started"; id: number; pid: number }
  /** Lines of one stream of one process, in order, gathered over one turn of the spawner's loop. */
  | { type: "lines"; id: number; stream: OutputStream; lines: string[] }
  /** Raw bytes, base64, for a caller that parses a program's stdout (params_from). */
  | { type: "chunk"; id: number; stream: OutputStream; data: string }
  | { type: "done"; id: number; outcome: ProcessOutcome };
