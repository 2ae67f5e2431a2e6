import type { Executor, ProcessSpec, RunningProcess } from "./executor.js";
import { startProcess } from "./process.js";

/** Executors with processes still running, for the exit hook below. */
const withLiveProcesses = new Set<LocalExecutor>();
let exitHookInstalled = false;

/**
 * Starts processes as children of this process (process.ts), and keeps the ones not finished yet
 * so that a second Ctrl-C, or this process exiting, can kill their groups.
 */
export class LocalExecutor implements Executor {
  private readonly live = new Set<RunningProcess>();

  start(spec: ProcessSpec): RunningProcess {
    const running = startProcess(spec);
    if (running.pid === undefined) return running;
    this.live.add(running);
    withLiveProcesses.add(this);
    installExitHook();
    void running.done.then(() => {
      this.live.delete(running);
      if (this.live.size === 0) withLiveProcesses.delete(this);
    });
    return running;
  }

  killAll(): number {
    const all = [...this.live];
    for (const running of all) running.kill();
    return all.length;
  }

  running(): number {
    return this.live.size;
  }
}

/**
 * Scripts run in groups of their own, which survive their parent: a daemon that exits while they
 * run (a crash, an uncaught error, a library user calling process.exit) would leave them behind.
 * `exit` handlers must be synchronous, and process.kill is.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const executor of withLiveProcesses) executor.killAll();
  });
}
