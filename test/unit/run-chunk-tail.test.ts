import { describe, expect, it } from "vitest";
import { ChunkTail } from "../../src/run/chunk-tail.js";
import { LineSplitter } from "../../src/run/line-splitter.js";
import { OutputTail } from "../../src/run/output-tail.js";

import type { OutputStream } from "../../src/run/output-reader.js";

/** The tail made line by line as the chunks arrive: what a run's output was before chunks. */
function lineByLine(chunks: Array<[OutputStream, Buffer]>, limit: number): string {
  const tail = new OutputTail(limit);
  const splitters = { stdout: new LineSplitter((l) => tail.push(l)), stderr: new LineSplitter((l) => tail.push(l)) };
  for (const [stream, chunk] of chunks) splitters[stream].push(chunk);
  splitters.stdout.end();
  splitters.stderr.end();
  return tail.text();
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("the tail kept as chunks is the tail kept as lines", () => {
  it.each([1, 2, 3, 4])("random interleaved stdout and stderr, long and short lines, multibyte text (seed %i)", (seed) => {
    const next = random(seed);
    const chunks: Array<[OutputStream, Buffer]> = [];
    for (let i = 0; i < 400; i++) {
      const stream: OutputStream = next() < 0.7 ? "stdout" : "stderr";
      const size = next() < 0.05 ? Math.floor(next() * 200_000) : Math.floor(next() * 3_000);
      let text = "";
      while (text.length < size) text += next() < 0.1 ? "\n" : next() < 0.05 ? "é€" : "abcdefghij".slice(0, 1 + Math.floor(next() * 10));
      chunks.push([stream, Buffer.from(text)]);
    }
    for (const limit of [100, 4096, 64 * 1024, 1024 * 1024]) {
      const tail = new ChunkTail(limit);
      for (const [stream, chunk] of chunks) tail.push(stream, chunk);
      expect(tail.text()).toBe(lineByLine(chunks, limit));
    }
  });

  it("a limit of 0 keeps nothing, and a small slice does not keep its whole read buffer", () => {
    const none = new ChunkTail(0);
    none.push("stdout", Buffer.from("x\n"));
    expect(none.text()).toBe("");
    const big = Buffer.alloc(64 * 1024, "a");
    const tail = new ChunkTail(10);
    for (let i = 0; i < 1000; i++) tail.push("stdout", big.subarray(i, i + 1));
    tail.push("stdout", Buffer.from("\nlast line\n"));
    expect(tail.text()).toBe("last line");
  });
});
