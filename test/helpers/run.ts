/** Shared by the run-*.test.ts files: real scripts in a temporary folder, and waiting with deadlines. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProcessSpec } from "../../src/run/executor.js";
import { waitFor } from "./project.js";

export function makeTempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-run-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeScript(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A spec for `bash -c SCRIPT` with sensible test defaults. */
export function bashSpec(script: string, overrides: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    command: "bash",
    args: ["-c", script],
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    timeoutMs: null,
    killGraceMs: 2_000,
    outputLimitBytes: 64 * 1024,
    ...overrides,
  };
}

export { waitFor };

export { isProcessAlive as isAlive } from "../../src/util/process-alive.js";

/** Waits for a script to write its pid (or a child's `$!`) to `file`, and returns it. */
export async function pidWrittenTo(file: string, timeoutMs = 10_000): Promise<number> {
  let pid = 0;
  await waitFor(
    () => {
      try {
        pid = Number(readFileSync(file, "utf8").trim());
      } catch {
        return false;
      }
      return Number.isInteger(pid) && pid > 0;
    },
    { what: `a pid in ${file}`, timeoutMs, intervalMs: 10 },
  );
  return pid;
}

/** Cleans up after a failed test: SIGKILLs a pid if it is still there. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
