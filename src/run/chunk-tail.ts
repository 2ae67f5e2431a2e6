import { LineSplitter } from "./line-splitter.js";
import { OutputTail } from "./output-tail.js";

import type { OutputStream } from "./output-reader.js";

/**
 * The tail of a process's output kept as the chunks that carried it, and turned into lines only
 * when asked: the same text OutputTail gives (the chunks replayed through the same splitters in
 * the order they arrived), without work per line while a chatty script floods its pipe. Of the
 * chunks dropped, only each stream's open line is kept: a line begun long ago may end in the tail.
 */
export class ChunkTail {
  private chunks: Array<{ stream: OutputStream; bytes: Buffer }> = [];
  private bytes = 0;
  /** Per stream, the line left open by the chunks dropped so far: it may end inside the tail. */
  private readonly dropped = { stdout: new LineSplitter(() => undefined), stderr: new LineSplitter(() => undefined) };
  private readonly keepBytes: number;

  constructor(private readonly limitBytes: number) {
    this.keepBytes = limitBytes + 2 * 64 * 1024;
  }

  push(stream: OutputStream, chunk: Buffer): void {
    if (this.limitBytes <= 0 || chunk.length === 0) return;
    // A small slice would keep its whole read buffer (64 KiB) alive: keep a copy of its bytes.
    const bytes = chunk.length * 4 < chunk.buffer.byteLength ? Buffer.from(chunk) : chunk;
    this.chunks.push({ stream, bytes });
    this.bytes += bytes.length;
    let drop = 0;
    while (drop < this.chunks.length - 1 && this.bytes - this.chunks[drop]!.bytes.length >= this.keepBytes) {
      const { stream: from, bytes: old } = this.chunks[drop++]!;
      this.dropped[from].skip(old);
      this.bytes -= old.length;
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }

  text(): string {
    const tail = new OutputTail(this.limitBytes);
    const stdout = this.dropped.stdout.fork((line) => tail.push(line));
    const stderr = this.dropped.stderr.fork((line) => tail.push(line));
    for (const { stream, bytes } of this.chunks) (stream === "stdout" ? stdout : stderr).push(bytes);
    stdout.end();
    stderr.end();
    return tail.text();
  }
}
