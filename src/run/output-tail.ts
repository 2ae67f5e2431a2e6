import { charBoundaryAtOrAfter } from "./utf8.js";

/**
 * The last `limitBytes` of a script's output, kept line by line. Memory stays bounded by the
 * limit however much a script prints: older lines are dropped as new ones arrive. The text is
 * cut at line boundaries, except when the newest line alone is longer than the limit, which is
 * then cut at a character boundary so the tail is still valid UTF-8.
 */
export class OutputTail {
  private lines: string[] = [];
  private lineBytes: number[] = [];
  private first = 0;
  /** Bytes of the kept lines, each counted with the `\n` that joins it to the next. */
  private bytes = 0;

  constructor(private readonly limitBytes: number) {}

  push(line: string): void {
    if (this.limitBytes <= 0) return;
    let size = Buffer.byteLength(line);
    if (size > this.limitBytes) {
      line = lastBytes(Buffer.from(line), this.limitBytes).toString("utf8");
      size = Buffer.byteLength(line);
    }
    this.lines.push(line);
    this.lineBytes.push(size);
    this.bytes += size + 1;
    // The joined text is `bytes - 1` long (no `\n` after the last line).
    while (this.bytes - 1 > this.limitBytes) {
      this.bytes -= this.lineBytes[this.first]! + 1;
      // Release the dropped line now: up to 1024 of them wait for compaction, 64 KiB each at worst.
      this.lines[this.first] = "";
      this.first++;
    }
    this.compact();
  }

  text(): string {
    return this.lines.slice(this.first).join("\n");
  }

  /** Drops the consumed front of the arrays once it dominates, so they do not grow forever. */
  private compact(): void {
    if (this.first < 1024 || this.first < this.lines.length / 2) return;
    this.lines = this.lines.slice(this.first);
    this.lineBytes = this.lineBytes.slice(this.first);
    this.first = 0;
  }
}

/** At most the last `limitBytes` of `bytes`, starting where a character starts: a cut inside one would decode to U+FFFD, past the limit. */
export function lastBytes(bytes: Buffer, limitBytes: number): Buffer {
  if (bytes.length <= limitBytes) return bytes;
  return bytes.subarray(charBoundaryAtOrAfter(bytes, bytes.length - Math.max(0, limitBytes)));
}

/** How far past the cut a line start may be and still be where the tail begins. */
const LINE_START_NEAR = 200;

/**
 * The last `limitBytes` bytes of `text` (UTF-8), starting at a line when one starts near the cut,
 * else at a character, so a tail reads cleanly and is never over its limit.
 */
export function tailOf(text: string, limitBytes: number): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short text needs no encoding to know it fits.
  if (text.length * 3 <= limitBytes) return text;
  const bytes = Buffer.from(text);
  if (bytes.length <= limitBytes) return text;
  const tail = lastBytes(bytes, limitBytes);
  const newline = tail.indexOf(0x0a);
  return (newline >= 0 && newline < LINE_START_NEAR ? tail.subarray(newline + 1) : tail).toString("utf8");
}
