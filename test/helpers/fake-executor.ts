/**
 * An executor that starts nothing: each "process" waits until the test finishes it (or the engine
 * cancels or kills it), so the engine's rules (concurrency, retries, stops) are tested with a
 * ManualClock and no real process.
 */
import type { Executor, ProcessOutcome, ProcessSpec, RunningProcess } from "../../src/run/executor.js";

export class FakeProcess {
  readonly spec: ProcessSpec;
  readonly pid: number;
  readonly done: Promise<ProcessOutcome>;
  readonly handle: RunningProcess;
  private settle!: (outcome: ProcessOutcome) => void;
  finished = false;
  cancelled = false;
  killed = false;

  constructor(spec: ProcessSpec, pid: number) {
    this.spec = spec;
    this.pid = pid;
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.handle = {
      pid,
      done: this.done,
      cancel: () => {
        this.cancelled = true;
        this.end({ signal: "SIGTERM", cancelled: true });
      },
      kill: () => {
        this.killed = true;
        this.end({ signal: "SIGKILL", cancelled: true });
      },
    };
  }

  /** The script exits with `exitCode`, having printed `output`. */
  finish(exitCode = 0, output = ""): void {
    for (const line of output.split("\n").filter(Boolean)) this.spec.onLine?.("stdout", line);
    this.end({ exitCode, signal: null, output });
  }

  private end(outcome: Partial<ProcessOutcome>): void {
    if (this.finished) return;
    this.finished = true;
    this.settle({ exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: null, output: "", leakedDescendants: false, durationMs: 0, pid: this.pid, ...outcome });
  }
}

export class FakeExecutor implements Executor {
  readonly started: FakeProcess[] = [];
  private nextPid = 1000;

  start(spec: ProcessSpec): RunningProcess {
    const process = new FakeProcess(spec, this.nextPid++);
    this.started.push(process);
    return process.handle;
  }

  killAll(): number {
    const live = this.started.filter((p) => !p.finished);
    for (const p of live) p.handle.kill();
    return live.length;
  }

  running(): number {
    return this.started.filter((p) => !p.finished).length;
  }

  /** The processes still going. */
  get live(): FakeProcess[] {
    return this.started.filter((p) => !p.finished);
  }
}
