import { readFileSync } from "node:fs";

/**
 * Whether a process is still running. Signal 0 also succeeds for zombies, and in containers whose
 * PID 1 never reaps orphans they stay forever, so on Linux /proc has the last word.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch (error) {
    // No /proc (not Linux): signal 0 is all we have. Gone between the two calls: not alive.
    return (error as NodeJS.ErrnoException).code !== "ENOENT" || !procMounted();
  }
}

function procMounted(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}
