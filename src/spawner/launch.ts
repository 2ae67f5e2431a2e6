import { spawn } from "node:child_process";
import type { Launched } from "../run/supervise.js";
import type { ProcessSpec } from "../run/executor.js";

/**
 * Starts a child with plain child_process. The spawner uses it instead of execa: in a process
 * that only forks, execa's own work per start and its module graph (+13 MB of RSS, which every
 * fork then copies page tables for) cost more than everything else (bench/scenarios/spawn-throughput.mjs).
 */
export function launchWithSpawn(spec: ProcessSpec, stdinFd: number | undefined): Launched {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    shell: false,
    // Its own process group, so signals reach everything the script started (run/process-group.ts).
    detached: true,
    ...(spec.account && { uid: spec.account.uid, gid: spec.account.gid }),
    stdio: [stdinFd ?? "ignore", "pipe", "pipe"],
  });
  // A failed start is reported as an 'error' event; unheard, it would be thrown.
  const failed = new Promise<unknown>((resolve) => child.once("error", resolve));
  return { child, failure: () => failed };
}
