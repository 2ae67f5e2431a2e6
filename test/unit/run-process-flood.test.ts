import { describe, expect, it } from "vitest";
import type { ProcessOutcome } from "../../src/run/executor.js";
import { startProcess } from "../../src/run/process.js";
import { bashSpec } from "../helpers/run.js";

const FLOOD_BYTES = 200_000_000;
const MB = 1024 * 1024;

/** Runs `script`, sampling this process's memory while it goes; returns the outcome and the peak growth. */
async function runSampled(script: string): Promise<{ outcome: ProcessOutcome; rssGrowth: number; heapGrowth: number; lines: number }> {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 10);
  let lines = 0;
  try {
    const outcome = await startProcess(bashSpec(script, { outputLimitBytes: 64 * 1024, onLine: () => lines++ })).done;
    return { outcome, rssGrowth: peakRss - before.rss, heapGrowth: peakHeap - before.heapUsed, lines };
  } finally {
    clearInterval(sampler);
  }
}

describe("a script that floods its output does not grow the daemon's memory", () => {
  it("200 MB of lines: read to the end, with a bounded tail", async () => {
    const line = "y".repeat(199);
    const { outcome, rssGrowth, heapGrowth, lines } = await runSampled(`yes ${line} | head -c ${FLOOD_BYTES}`);
    console.info(`flood of lines: rss +${(rssGrowth / MB).toFixed(1)} MB, heap +${(heapGrowth / MB).toFixed(1)} MB`);

    expect(outcome.exitCode).toBe(0);
    expect(lines).toBe(FLOOD_BYTES / 200);
    expect(Buffer.byteLength(outcome.output)).toBeLessThanOrEqual(64 * 1024);
    expect(outcome.output.endsWith(line)).toBe(true);
    expect(rssGrowth).toBeLessThan(100 * MB);
  }, 30_000);

  it("200 MB without a single newline: emitted in bounded pieces", async () => {
    const { outcome, rssGrowth, heapGrowth, lines } = await runSampled(`head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' z`);
    console.info(`flood without newlines: rss +${(rssGrowth / MB).toFixed(1)} MB, heap +${(heapGrowth / MB).toFixed(1)} MB`);

    expect(outcome.exitCode).toBe(0);
    expect(lines).toBe(Math.ceil(FLOOD_BYTES / (64 * 1024)));
    expect(outcome.output.length).toBeLessThanOrEqual(64 * 1024);
    expect(rssGrowth).toBeLessThan(100 * MB);
  }, 30_000);
});
