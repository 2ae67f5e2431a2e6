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
 *
 * Output is handed on as the chunks read, never line by line: a script that floods its pipe is
 * read as fast as `cat` would, and what the daemon cannot take in time is not passed on (it is
 * told how much); the run's tail is kept here, whole.
 */
import { superviseLaunch, unstartedOutcome } from "../run/supervise.js";
import { launchWithSpawn } from "./launch.js";

import type { OutputStream } from "../run/output-reader.js";
import type { RunningProcess } from "../run/executor.js";
import type { FromSpawner, ToSpawner, WireEnv, WireSpec } from "./protocol.js";

/**
 * Output sent and not yet handled by the daemon (it says so), beyond which output is not passed
 * on: what the daemon holds in memory for output stays bounded, however fast a script writes.
 */
const MAX_UNREAD_BYTES = 2 * 1024 * 1024;

const running = new Map<number, RunningProcess>();
let unreadBytes = 0;

/**
 * Messages go out together, once per turn of the loop: serializing one costs about as much as
 * serializing a hundred (a burst of starts sent a message per start and per end spent ~1.5 ms of
 * CPU per run on it, beside the fork).
 */
let outbox: FromSpawner[] = [];

function send(message: FromSpawner): void {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(message);
}

function flush(): void {
  const messages = outbox;
  outbox = [];
  if (process.connected) process.send!(messages);
}

/** One process's output on its way to the daemon, and what of it was left out. */
function forwarder(id: number): (stream: OutputStream, chunk: Buffer) => void {
  const skipped = { stdout: 0, stderr: 0 };
  return (stream, chunk) => {
    if (unreadBytes > MAX_UNREAD_BYTES) {
      skipped[stream] += chunk.length;
      return;
    }
    if (skipped[stream] > 0) {
      send({ type: "gap", id, stream, bytes: skipped[stream] });
      skipped[stream] = 0;
    }
    unreadBytes += chunk.length;
    send({ type: "output", id, stream, data: chunk });
  };
}

/** The last environment the daemon sent whole: the others come as their differences from it. */
let envBase: Record<string, string> = {};

function environment(wire: WireEnv): Record<string, string> {
  if ("base" in wire) return (envBase = wire.base);
  const env = { ...envBase, ...wire.set };
  for (const key of wire.unset) delete env[key];
  return env;
}

function start(id: number, { output, env, ...spec }: WireSpec): void {
  const process_ = superviseLaunch({ ...spec, env: environment(env), onChunk: output ? forwarder(id) : undefined }, launchWithSpawn);
  if (process_.pid !== undefined) {
    running.set(id, process_);
    send({ type: "started", id, pid: process_.pid });
  }
  void process_.done.then((outcome) => {
    running.delete(id);
    send({ type: "done", id, outcome });
  });
}

process.on("message", (messages: ToSpawner[]) => {
  for (const message of messages) receive(message);
});

function receive(message: ToSpawner): void {
  switch (message.type) {
    case "start":
      try {
        return start(message.id, message.spec);
      } catch (error) {
        // Nothing may leave the daemon waiting for a process that never started.
        const why = error instanceof Error ? error.message : String(error);
        const outcome = unstartedOutcome(`could not start ${message.spec.command}: the spawner process failed (${why})`, 0);
        return send({ type: "done", id: message.id, outcome });
      }
    case "cancel":
      return running.get(message.id)?.cancel(message.graceMs);
    case "kill":
      return running.get(message.id)?.kill();
    case "taken":
      unreadBytes = Math.max(0, unreadBytes - message.bytes);
      return;
  }
}

// The daemon is gone (exited, crashed, killed): nobody will wait for, stop or record these any more.
process.on("disconnect", () => {
  for (const process_ of running.values()) process_.kill();
  process.exit(0);
});

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) process.on(signal, () => undefined);
process.on("uncaughtException", (error) => process.stderr.write(`orchestrate spawner: unexpected error (still running): ${error.stack ?? error.message}\n`));
