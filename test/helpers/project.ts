import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/orchestrate");

/** A throwaway folder holding a config and its scripts; files ending in .sh/.py are made executable. */
export function tempProject(files: Record<string, string>): { dir: string; path: (p: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-test-"));
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (/\.(sh|py)$/.test(name)) chmodSync(file, 0o755);
  }
  return { dir, path: (p) => join(dir, p), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`orchestrate ${args.join(" ")} did not finish in ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A daemon (`orchestrate run ...`) in the background, with its output collected. */
export class Daemon {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[], options: { cwd: string; env?: Record<string, string> }) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolvePromise) => this.child.on("exit", (code) => resolvePromise(code)));
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await waitFor(() => (match = this.output.match(pattern)) !== null, { timeoutMs, what: `daemon output matching ${pattern}\n--- output:\n${this.output}` });
    return match!;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops it (SIGTERM) and waits for the exit code. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill("SIGTERM");
    return withDeadline(this.exited, timeoutMs, "daemon exit after SIGTERM");
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** The spawner process of the daemon `daemonPid` (the parent of its scripts), or null. */
export function spawnerOf(daemonPid: number): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === daemonPid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("spawner/main.js")) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}

/** The non-empty lines a script has appended to `file` so far; none while it does not exist yet. */
export function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** Polls `condition` until it holds; fails with `what` after the deadline. Never a bare sleep. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? "a condition"}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { isProcessAlive as alive } from "../../src/util/process-alive.js";

export function writeFile(path: string, content: string): void {
  writeFileSync(path, content);
}

export type { ChildProcess };

/** The runs a state store holds, read through the real CLI (`history --json`), oldest first. */
export async function historyOf(dir: string, args: string[] = []): Promise<import("../../src/store/types.js").RunRecord[]> {
  const result = await runCli(["history", "--json", "--limit", "100000", ...args], { cwd: dir });
  if (result.code !== 0) throw new Error(`history failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as import("../../src/store/types.js").RunRecord[]).reverse();
}

/**
 * What the tests of a file make and must undo — temporary projects, daemons, servers — undone
 * after each test, last made first: `const { project, daemon, defer } = scratchPerTest();`.
 */
export function scratchPerTest() {
  let cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  const defer = (cleanup: () => unknown): void => void cleanups.push(cleanup);
  return {
    defer,
    project(files: Record<string, string>) {
      const p = tempProject(files);
      defer(() => p.cleanup());
      return p;
    },
    daemon(args: string[], cwd: string, env: Record<string, string> = {}) {
      const d = new Daemon(args, { cwd, env });
      defer(() => d.kill());
      return d;
    },
  };
}
