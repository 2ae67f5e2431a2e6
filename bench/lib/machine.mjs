/** The machine a result was measured on: numbers mean little without it. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown";
}

export function machine() {
  return {
    cpus: cpus().length,
    model: cpuModel(),
    ramGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${process.platform} ${release()}`,
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function describeMachine(m) {
  return `${m.cpus} × ${m.model}, ${m.ramGb} GB RAM, Node ${m.node}, ${m.kernel}; load average at start ${m.loadAtStart.join(" ")}; ${m.date}`;
}
