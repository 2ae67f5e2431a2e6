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
      const encoded = Buffer.from(line);
      const start = charBoundaryAtOrAfter(encoded, size - this.limitBytes);
      line = encoded.subarray(start).toString("utf8");
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
