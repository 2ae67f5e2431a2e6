import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LineSplitter } from "../run/line-splitter.js";
import { findRunGroups } from "../run/orphans.js";
import { markOwnChild, unstartedOutcome } from "../run/supervise.js";

import type { Executor, ProcessOutcome, ProcessSpec, RunningProcess } from "../run/executor.js";
import type { OutputStream } from "../run/output-reader.js";
import type { FromSpawner, ToSpawner, WireEnv } from "./protocol.js";

const SPAWNER_MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
/**
 * None of the daemon's flags (a profiler, an inspector, a heap limit), and V8 without its worker
 * threads and with a small young generation: measured on 2 cores, 100 × /bin/true through the
 * spawner took ~1,400 ms with V8's default thread pool and ~700 ms without it (raw node: ~650 ms),
 * and its RSS after 500 starts is 60 MB instead of 64.
 */
const SPAWNER_FLAGS = ["--v8-pool-size=0", "--max-semi-space-size=1"];

/** Messages sent in one go at most (a serialized start is a few hundred bytes). */
const MESSAGES_PER_BATCH = 32;
/** Beyond this many variables set or unset, an environment is sent whole. */
const MAX_ENV_CHANGES = 32;

/** A process handed to the spawner and not finished yet. */
interface Handed {
  spec: ProcessSpec;
  spawner: ChildProcess;
  /** Known once the spawner says it started; until then a kill goes through the spawner only. */
  pid: number | undefined;
  resolve: (outcome: ProcessOutcome) => void;
  startedAt: number;
  /** Its output split into lines for spec.onLine, a splitter per stream. */
  lines: Record<OutputStream, LineSplitter> | null;
}

export interface SpawnerExecutorOptions {
  /** How the daemon hears of the spawner's own trouble (it died, it was restarted). */
  onWarning?: (message: string) => void;
}

/**
 * Starts processes through the spawner process (main.ts), so that the process that forks stays
 * small whatever the daemon holds. The spawner is started with the executor, before any fire, and
 * started again if it dies: what it was running is killed (its groups, from here) and ends as
 * failed, saying so, and the next start gets a new spawner.
 */
export class SpawnerExecutor implements Executor {
  private spawner: ChildProcess | null = null;
  private nextId = 1;
  private readonly handed = new Map<number, Handed>();
  private closed = false;
  private readonly outboxes = new Map<ChildProcess, ToSpawner[]>();
  /** The environment last sent whole to each spawner (wireEnv). */
  private readonly envBases = new WeakMap<ChildProcess, Record<string, string>>();
  /** Output handled since the spawner was last told, and whether telling it is scheduled. */
  private taken = 0;
  private takenScheduled = false;

  constructor(private readonly options: SpawnerExecutorOptions = {}) {
    this.ensureSpawner();
    process.on("exit", this.killAllNow);
  }

  start(spec: ProcessSpec): RunningProcess {
    const spawner = this.ensureSpawner();
    const id = this.nextId++;
    let resolve!: (outcome: ProcessOutcome) => void;
    const done = new Promise<ProcessOutcome>((r) => (resolve = r));
    const onLine = spec.onLine;
    const lines = onLine ? { stdout: new LineSplitter((line) => onLine("stdout", line)), stderr: new LineSplitter((line) => onLine("stderr", line)) } : null;
    const handed: Handed = { spec, spawner, pid: undefined, resolve, startedAt: performance.now(), lines };
    this.handed.set(id, handed);
    if (this.handed.size === 1) this.hold(spawner, true);
    const { onLine: _line, onChunk, onGap: _gap, env, ...rest } = spec;
    this.send(spawner, { type: "start", id, spec: { ...rest, env: this.wireEnv(spawner, env), output: onLine !== undefined || onChunk !== undefined } });
    return {
      get pid() {
        return handed.pid;
      },
      done,
      cancel: (graceMs) => this.send(spawner, { type: "cancel", id, graceMs }),
      kill: () => {
        killGroup(handed.pid);
        this.send(spawner, { type: "kill", id });
      },
    };
  }

  killAll(): number {
    return this.killAllNow();
  }

  running(): number {
    return this.handed.size;
  }

  /** Stops the spawner once nothing runs (the daemon stopped): it exits when its channel closes. */
  close(): void {
    this.closed = true;
    process.off("exit", this.killAllNow);
    if (this.handed.size === 0) this.spawner?.disconnect();
  }

  /** Synchronous, for an `exit` handler too: every group still running gets SIGKILL from here. */
  private readonly killAllNow = (): number => {
    for (const [id, handed] of this.handed) {
      killGroup(handed.pid);
      this.send(handed.spawner, { type: "kill", id });
    }
    return this.handed.size;
  };

  private ensureSpawner(): ChildProcess {
    if (this.spawner && this.spawner.connected) return this.spawner;
    const spawner = fork(SPAWNER_MAIN, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: SPAWNER_FLAGS, serialization: "advanced" });
    this.spawner = spawner;
    if (spawner.pid !== undefined) markOwnChild(spawner.pid, true);
    spawner.on("message", (messages: FromSpawner[]) => {
      for (const message of messages) this.receive(message);
    });
    spawner.on("error", (error) => this.options.onWarning?.(`the spawner process: ${error.message}`));
    spawner.once("exit", (code, signal) => this.lost(spawner, code, signal));
    this.hold(spawner, false);
    return spawner;
  }

  /** A spawner with nothing running must not keep a library user's process alive. */
  private hold(spawner: ChildProcess, held: boolean): void {
    if (held) {
      spawner.ref();
      spawner.channel?.ref();
    } else {
      spawner.unref();
      spawner.channel?.unref();
    }
  }

  /**
   * `env` as its differences from the environment last sent whole to this spawner, or whole (and
   * then the new base) when it differs in more than a few variables.
   */
  private wireEnv(spawner: ChildProcess, env: Record<string, string>): WireEnv {
    const base = this.envBases.get(spawner);
    if (base) {
      const set: Record<string, string> = Object.create(null);
      const unset: string[] = [];
      let changes = 0;
      for (const key of Object.keys(env)) {
        if (base[key] !== env[key] || !Object.hasOwn(base, key)) {
          set[key] = env[key]!;
          changes++;
        }
      }
      for (const key of Object.keys(base)) if (!Object.hasOwn(env, key)) unset.push(key);
      if (changes + unset.length <= MAX_ENV_CHANGES) return { set, unset };
    }
    this.envBases.set(spawner, env);
    return { base: env };
  }

  /**
   * Sent together at the end of this turn's synchronous work, or as soon as a batch is full: a
   * burst of starts goes in a few messages, and the spawner starts on the first while the daemon
   * still prepares the rest.
   */
  private send(spawner: ChildProcess, message: ToSpawner): void {
    let outbox = this.outboxes.get(spawner);
    if (!outbox) {
      this.outboxes.set(spawner, (outbox = []));
      queueMicrotask(() => this.flush(spawner));
    }
    outbox.push(message);
    if (outbox.length >= MESSAGES_PER_BATCH) this.flush(spawner);
  }

  private flush(spawner: ChildProcess): void {
    const messages = this.outboxes.get(spawner) ?? [];
    this.outboxes.delete(spawner);
    if (!spawner.connected || messages.length === 0) return;
    try {
      spawner.send(messages);
    } catch {
      // The channel closed between the check and the send: its exit handler ends the processes.
    }
  }

  private receive(message: FromSpawner): void {
    const handed = this.handed.get(message.id);
    if (!handed) return;
    switch (message.type) {
      case "started":
        handed.pid = message.pid;
        return;
      case "output": {
        const data = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
        handed.spec.onChunk?.(message.stream, data);
        handed.lines?.[message.stream].push(data);
        this.take(handed.spawner, data.length);
        return;
      }
      case "gap":
        // The line cut by the gap ends where the gap begins.
        handed.lines?.[message.stream].end();
        handed.spec.onGap?.(message.stream, message.bytes);
        return;
      case "done":
        this.finish(message.id, message.outcome);
        return;
    }
  }

  /** Tells the spawner, once per turn of the loop, how much output was handled: it sends that much more. */
  private take(spawner: ChildProcess, bytes: number): void {
    this.taken += bytes;
    if (this.takenScheduled) return;
    this.takenScheduled = true;
    setImmediate(() => {
      this.takenScheduled = false;
      const taken = this.taken;
      this.taken = 0;
      this.send(spawner, { type: "taken", bytes: taken });
    });
  }

  private finish(id: number, outcome: ProcessOutcome): void {
    const handed = this.handed.get(id);
    if (!handed) return;
    this.handed.delete(id);
    handed.lines?.stdout.end();
    handed.lines?.stderr.end();
    handed.resolve(outcome);
    if (this.handed.size === 0) {
      this.hold(handed.spawner, false);
      if (this.closed) handed.spawner.disconnect();
    }
  }

  /**
   * The spawner exited. If the daemon did not ask for it, what it ran can no longer be watched:
   * each group whose pid the spawner had reported is killed, and so is any group holding a process
   * of the same run (found by ORCHESTRATE_RUN_ID and ORCHESTRATE_TASK in its environment: one started
   * in the instant before its pid was reported). Every process handed to it ends as failed, saying
   * why. The next start gets a new spawner.
   */
  private lost(spawner: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (spawner.pid !== undefined) markOwnChild(spawner.pid, false);
    if (this.spawner === spawner) this.spawner = null;
    const cause = signal ? `killed by ${signal}` : `exited with code ${code}`;
    let lost = 0;
    for (const [id, handed] of this.handed) {
      if (handed.spawner !== spawner) continue;
      lost++;
      killGroup(handed.pid);
      const { ORCHESTRATE_RUN_ID: runId, ORCHESTRATE_TASK: task } = handed.spec.env;
      if (handed.pid === undefined && runId !== undefined && task !== undefined) for (const pgid of findRunGroups(Number(runId), task)) killGroup(pgid);
      this.finish(id, unstartedOutcome(`the spawner process that started it ${cause}; its process group was killed`, performance.now() - handed.startedAt, handed.pid));
    }
    if (!this.closed) this.options.onWarning?.(`the spawner process ${cause}${lost ? `; ${lost} running process(es) were killed and fail` : ""}; a new one starts with the next run`);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
