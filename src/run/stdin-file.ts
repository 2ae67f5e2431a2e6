import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Text for a script's stdin as a file descriptor on an already-deleted temporary file, rather
 * than a pipe. Node's pipes are socketpairs, and bash, finding a socket on stdin while SHLVL is
 * unset (as under systemd), concludes that sshd started it and sources ~/.bashrc into the script.
 * The caller closes the descriptor once the child has it.
 */
export function openStdinFile(text: string): number {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-stdin-"));
  try {
    const path = join(dir, "stdin");
    writeFileSync(path, text, { mode: 0o600 });
    return openSync(path, "r");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
