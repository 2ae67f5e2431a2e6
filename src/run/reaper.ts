/**
 * orchestrate as PID 1 (a container started without an init): every orphaned process in the
 * container is reparented to it, and a zombie stays until its parent waits for it. Node waits for
 * its own children only, so zombies of double-forked scripts would pile up. Every second, this
 * reaps the zombies whose parent is this process and that it did not start itself (those, Node
 * reaps, with their exit status).
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadLibc } from "../util/libc.js";
import { isOwnChild } from "./supervise.js";

const EVERY_MS = 1_000;

/** Starts reaping when this process is PID 1; returns a function that stops it. */
export function reapOrphansAsInit(onError?: (message: string) => void): () => void {
  if (process.pid !== 1) return () => undefined;
  const timer = setInterval(() => {
    try {
      reapZombies();
    } catch (error) {
      onError?.(`could not reap orphaned processes: ${(error as Error).message}`);
    }
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Reaps the zombies this process inherited; returns how many. */
export function reapZombies(): number {
  let reaped = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" && Number(ppid) === process.pid && !isOwnChild(pid) && loadLibc().reap(pid) === pid) reaped++;
  }
  return reaped;
}
