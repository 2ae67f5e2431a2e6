/**
 * A script's process group. Scripts are spawned `detached`, so each one leads its own group and
 * everything it starts (`sleep 999 &`, a pipeline, a forgotten server) is in it unless it calls
 * setsid itself. Signalling `-pid` reaches all of them, where killing the pid alone (what execa's
 * own `timeout` does) orphans the grandchildren and leaves their pipes open.
 */

import { readdirSync, readFileSync } from "node:fs";
import { MAX_TIMER_MS } from "../time/clock.js";

export class ProcessGroup {
  private escalation: { at: number; timer: NodeJS.Timeout } | null = null;
  private killedResolvers: Array<() => void> = [];
  private killSent = false;

  constructor(readonly pgid: number) {}

  /** Sends `signal` to every process in the group; false when the group no longer exists. */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch {
      // ESRCH: the group is empty (or EPERM: only members we may not signal, e.g. setuid, are left).
      return false;
    }
  }

  /** Whether any process is still running in the group (the leader, or descendants that outlived it). */
  isAlive(): boolean {
    return this.signal(0) && hasRunningMember(this.pgid);
  }

  /**
   * SIGTERM now, SIGKILL after `graceMs` unless the group is gone by then. A second call can only
   * bring the SIGKILL closer: `cancel(0)` during a timeout's grace must not wait out the grace.
   */
  terminate(graceMs: number): void {
    this.signal("SIGTERM");
    const at = performance.now() + Math.max(0, graceMs);
    if (this.escalation && this.escalation.at <= at) return;
    if (this.escalation) clearTimeout(this.escalation.timer);
    this.escalation = { at, timer: setTimeout(() => this.kill(), Math.min(Math.max(0, graceMs), MAX_TIMER_MS)) };
  }

  /** SIGKILL to the whole group, now. */
  kill(): void {
    if (this.escalation) clearTimeout(this.escalation.timer);
    this.escalation = null;
    this.signal("SIGKILL");
    this.killSent = true;
    for (const resolve of this.killedResolvers.splice(0)) resolve();
  }

  /** Resolves once SIGKILL has been sent (at once if it already was). */
  whenKillSent(): Promise<void> {
    if (this.killSent) return Promise.resolve();
    return new Promise((resolve) => this.killedResolvers.push(resolve));
  }

  /** The run is over: stop any pending SIGKILL. */
  release(): void {
    if (this.escalation) clearTimeout(this.escalation.timer);
    this.escalation = null;
    for (const resolve of this.killedResolvers.splice(0)) resolve();
  }
}

/**
 * Signal 0 also succeeds for zombies, and orphaned zombies stay when PID 1 does not reap them (a
 * container without an init, or the daemon itself as PID 1), so a killed group would look alive
 * until its grace ran out. On Linux, /proc says which members still run; elsewhere, trust signal 0.
 */
export function hasRunningMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}
