/**
 * The spawner: a small, long-lived process that starts the daemon's children. Forking copies the
 * page tables of the process that forks, so its cost grows with that process's memory; the daemon
 * grows with what it serves (the API, webhooks, the dashboard, ten thousand tasks), this process
 * does not. It loads node's built-ins and the few modules of run/ that supervise a process, and
 * nothing else: no config, no store, no execa.
 *
 * It decides nothing. It ignores the signals a terminal or a service manager sends to the daemon's
 * group (the daemon decides how to stop) and dies with the daemon: when the IPC channel closes,
 * whatever it started is killed, so a SIGKILL of the daemon leaves no orphan behind.
 */
import { superviseLaunch } from "../run/supervise.js";
import { launchWithSpawn } from "./launch.js";

import type { OutputStream } from "../run/output-reader.js";
import type { RunningProcess } from "../run/executor.js";
import type { FromSpawner, ToSpawner, WireSpec } from "./protocol.js";

/** Output the daemon has not read yet, beyond which lines are not passed on (the outcome's tail still has them). */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

interface Batch {
  id: number;
  stream: OutputStream;
  lines: string[];
  bytes: number;
}

const running = new Map<number, RunningProcess>();
let batches = new Map<string, Batch>();
let flushScheduled = false;
let unreadBytes = 0;
let dropped = 0;

function send(message: FromSpawner, bytes = 64): void {
  if (!process.connected) return;
  unreadBytes += bytes;
  process.send!(message, undefined, {}, () => (unreadBytes -= bytes));
}

/** Lines go out once per turn of the loop, a message per process and stream, in the order read. */
function flush(): void {
  flushScheduled = false;
  const ready = batches;
  batches = new Map();
  for (const batch of ready.values()) send({ type: "lines", id: batch.id, stream: batch.stream, lines: batch.lines }, batch.bytes);
}

function pushLine(id: number, stream: OutputStream, line: string): void {
  if (unreadBytes > MAX_UNREAD_BYTES) {
    dropped++;
    return;
  }
  if (dropped > 0) {
    process.stderr.write(`orchestrate spawner: ${dropped} output lines were not passed on: the daemon could not keep up\n`);
    dropped = 0;
  }
  const key = `${id}:${stream}`;
  let batch = batches.get(key);
  if (!batch) batches.set(key, (batch = { id, stream, lines: [], bytes: 0 }));
  batch.lines.push(line);
  batch.bytes += line.length + 4;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function start(id: number, spec: WireSpec): void {
  const process_ = superviseLaunch(
    {
      ...spec,
      onLine: spec.lines ? (stream, line) => pushLine(id, stream, line) : undefined,
      onChunk: spec.chunks ? (stream, chunk) => send({ type: "chunk", id, stream, data: chunk.toString("base64") }, chunk.length * 2) : undefined,
    },
    launchWithSpawn,
  );
  if (process_.pid !== undefined) {
    running.set(id, process_);
    send({ type: "started", id, pid: process_.pid });
  }
  void process_.done.then((outcome) => {
    running.delete(id);
    // Every line read before the end goes out before it.
    flush();
    send({ type: "done", id, outcome }, outcome.output.length + 256);
  });
}

process.on("message", (message: ToSpawner) => {
  switch (message.type) {
    case "start":
      return start(message.id, message.spec);
    case "cancel":
      return running.get(message.id)?.cancel(message.graceMs);
    case "kill":
      return running.get(message.id)?.kill();
  }
});

// The daemon is gone (exited, crashed, killed): nobody will wait for, stop or record these any more.
process.on("disconnect", () => {
  for (const process_ of running.values()) process_.kill();
  process.exit(0);
});

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) process.on(signal, () => undefined);
process.on("uncaughtException", (error) => process.stderr.write(`orchestrate spawner: unexpected error (still running): ${error.stack ?? error.message}\n`));
