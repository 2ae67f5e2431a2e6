import { execa } from "execa";
import { superviseLaunch, type Launched } from "./supervise.js";

import type { ProcessSpec, RunningProcess } from "./executor.js";

export { DRAIN_MS, isOwnChild } from "./supervise.js";

/** Starts a process with execa, the project's launcher, in a process group of its own (supervise.ts). */
export function startProcess(spec: ProcessSpec): RunningProcess {
  return superviseLaunch(spec, launchWithExeca);
}

function launchWithExeca(spec: ProcessSpec, stdinFd: number | undefined): Launched {
  const subprocess = execa(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    shell: false,
    // Its own process group, so signals reach everything the script started (process-group.ts).
    detached: true,
    // As another account (`user:`): libuv sets the group, drops supplementary groups, then the user.
    ...(spec.account && { uid: spec.account.uid, gid: spec.account.gid }),
    // We read the pipes ourselves (output-reader.ts) and time out ourselves (supervise.ts).
    buffer: false,
    encoding: "buffer",
    stripFinalNewline: false,
    reject: false,
    // execa hands any descriptor number to spawn as is; its types only list 0 to 9.
    stdin: stdinFd === undefined ? "ignore" : (stdinFd as 0),
    stdout: "pipe",
    stderr: "pipe",
  });
  // execa settles after we close the pipes; its result adds nothing the exit event does not say.
  void subprocess.catch(() => undefined);
  return { child: subprocess, failure: () => subprocess.then((result) => result.cause ?? result) };
}
