/**
 * Every contender runs in a child process of its own, so the CPU and memory read from /proc are
 * its own. Each child leads its own process group, and a group is always killed when we are done
 * with it (or when the bench itself exits or is interrupted), scripts it started included.
 */
import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";

const live = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

process.on("exit", () => {
  for (const child of live) killGroup(child.pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const child of live) killGroup(child.pid, "SIGKILL");
    process.exit(130);
  });
}

const KEEP_LINES = 200;

/**
 * Starts `command` in its own process group. Output is read as it comes (a child never blocks on
 * a full pipe); the last KEEP_LINES lines of each stream are kept for error messages.
 */
export function start(command, args, options = {}) {
  const proc = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    // `stdout` may be another process's stdin, when something else should read the output.
    stdio: [options.stdin ?? "ignore", options.stdout ?? "pipe", "pipe"],
    detached: true,
  });
  const child = {
    pid: proc.pid,
    proc,
    startedAt: performance.now(),
    stdout: [],
    stderr: [],
    bytes: 0,
    exit: null,
    listeners: new Set(),
  };
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  live.add(child);
  child.exited = new Promise((resolve) => {
    proc.once("close", (code, signal) => {
      live.delete(child);
      child.exit = { code, signal, at: performance.now() };
      for (const listener of child.listeners) listener(null);
      resolve(child.exit);
    });
  });
  for (const [name, stream] of [["stdout", proc.stdout], ["stderr", proc.stderr]]) {
    if (!stream) continue;
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      child.bytes += chunk.length;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      const kept = child[name];
      for (const line of lines) {
        kept.push(line);
        for (const listener of child.listeners) listener(line, name);
      }
      if (kept.length > KEEP_LINES) kept.splice(0, kept.length - KEEP_LINES);
    });
  }
  child.onLine = (listener) => {
    child.listeners.add(listener);
    return () => child.listeners.delete(listener);
  };
  /** The first stdout/stderr line matching `pattern`, with when it arrived; rejects on exit or timeout. */
  child.waitFor = (pattern, timeoutMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms${tail(child)}`)), timeoutMs);
      const off = child.onLine((line) => {
        if (line === null) finish(new Error(`exited (${child.exit.code ?? child.exit.signal}) before printing ${pattern}${tail(child)}`));
        else if (pattern.test(line)) finish(null, { line, at: performance.now() });
      });
      function finish(error, value) {
        clearTimeout(timer);
        off();
        if (error) reject(error);
        else resolve(value);
      }
    });
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the child is gone. */
  child.stop = async (graceMs = 3000) => {
    if (child.exit) return child.exit;
    killGroup(child.pid, "SIGTERM");
    const timer = delay(graceMs, undefined, { ref: false }).then(() => "timeout");
    if ((await Promise.race([child.exited, timer])) === "timeout") killGroup(child.pid, "SIGKILL");
    const exit = await child.exited;
    killGroup(child.pid, "SIGKILL"); // anything the child left behind in its group
    return exit;
  };
  return child;
}

export function tail(child, n = 15) {
  const lines = [...child.stderr, ...child.stdout].filter(Boolean).slice(-n);
  return lines.length ? `\n  | ${lines.join("\n  | ")}` : "";
}

/** Runs to completion (killed after `timeoutMs`); wall time from spawn to exit. */
export async function run(command, args, options = {}) {
  const child = start(command, args, options);
  const timeoutMs = options.timeoutMs ?? 120_000;
  try {
    // Unref'd: a finished bench must not wait for this timer to exit.
    const timer = delay(timeoutMs, undefined, { ref: false }).then(() => "timeout");
    if ((await Promise.race([child.exited, timer])) === "timeout") {
      throw new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs} ms${tail(child)}`);
    }
    const exit = child.exit;
    return { code: exit.code, signal: exit.signal, wallMs: exit.at - child.startedAt, stdout: child.stdout, stderr: child.stderr };
  } finally {
    await child.stop(500);
  }
}

/** Resolves once `check()` is truthy (polled every `everyMs`), with its value; rejects after `timeoutMs`. */
export async function until(check, { everyMs = 20, timeoutMs = 60_000, what = "condition" } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}
