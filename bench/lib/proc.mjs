/**
 * What a process costs, read from /proc, so that every number is the process's own: CPU time of
 * all its threads, resident memory and its peak, and how often its threads went to sleep and were
 * woken (voluntary context switches: every timer or I/O wakeup is one).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let clockTicks = null;

function ticksPerSecond() {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function read(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function threadIds(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/**
 * CPU seconds used so far by all threads of `pid`. schedstat has nanosecond resolution (stat has
 * 10 ms ticks, too coarse for an idle process) but forgets threads that exited, so the larger of
 * the two is taken.
 */
export function cpuSeconds(pid) {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const fromTicks = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  let fromSchedstat = 0;
  for (const tid of threadIds(pid)) {
    const line = read(`/proc/${pid}/task/${tid}/schedstat`);
    if (line) fromSchedstat += Number(line.split(" ")[0]) / 1e9;
  }
  return Math.max(fromTicks, fromSchedstat);
}

function statusField(text, name) {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text ?? "");
  return match ? Number(match[1]) : null;
}

/** Resident memory now and at its peak (VmHWM), in MB. */
export function memoryMb(pid) {
  const status = read(`/proc/${pid}/status`);
  if (status === null) return null;
  return { rss: statusField(status, "VmRSS") / 1024, peak: statusField(status, "VmHWM") / 1024 };
}

/** Voluntary context switches of every thread (wakeups), and of the main thread alone. */
export function wakeups(pid) {
  let all = 0;
  let main = 0;
  for (const tid of threadIds(pid)) {
    const n = statusField(read(`/proc/${pid}/task/${tid}/status`), "voluntary_ctxt_switches") ?? 0;
    all += n;
    if (tid === String(pid)) main = n;
  }
  return { all, main };
}

/** One reading of everything above. */
export function sample(pid) {
  const cpu = cpuSeconds(pid);
  if (cpu === null) return null;
  return { at: performance.now(), cpu, ...memoryMb(pid), wakeups: wakeups(pid) };
}

/** The spawner process of the orchestrate daemon `daemonPid` (src/spawner/main.ts), if it has one. */
export function spawnerOf(daemonPid) {
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
