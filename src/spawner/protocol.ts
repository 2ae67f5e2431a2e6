/**
 * What the daemon and its spawner process say to each other, over node's IPC channel (with the
 * "advanced" serialization, so output travels as bytes, not as text in JSON).
 * The daemon sends a start per process and learns its pid, its output and its outcome; the
 * spawner never decides anything: it starts, reads and stops what it is told to.
 */
import type { OutputStream } from "../run/output-reader.js";
import type { ProcessOutcome, ProcessSpec } from "../run/executor.js";

/** A process to start: the spec without its callbacks, and whether the daemon wants its output as it comes. */
export type WireSpec = Omit<ProcessSpec, "onLine" | "onChunk" | "onGap" | "env"> & { output: boolean; env: WireEnv };

/**
 * A process's environment: whole (and then the base the next ones are told against), or as its
 * differences from the last whole one. Runs of a daemon share nearly all of their environment, and
 * a burst of starts sent whole was hundreds of kilobytes the channel took several turns to carry.
 */
export type WireEnv = { base: Record<string, string> } | { set: Record<string, string>; unset: string[] };

export type ToSpawner =
  | { type: "start"; id: number; spec: WireSpec }
  | { type: "cancel"; id: number; graceMs: number }
  | { type: "kill"; id: number }
  /** The daemon has handled this many more bytes of output: the spawner may send as many again. */
  | { type: "taken"; bytes: number };

export type FromSpawner =
  | { type: "started"; id: number; pid: number }
  /** Output as read from one pipe, in order; the daemon splits it into lines. */
  | { type: "output"; id: number; stream: OutputStream; data: Uint8Array }
  /** This many bytes of a stream were read but not passed on before the next output: the daemon was behind. */
  | { type: "gap"; id: number; stream: OutputStream; bytes: number }
  | { type: "done"; id: number; outcome: ProcessOutcome };
