import { charBoundaryAtOrBefore } from "./utf8.js";

/** One line at most this long is held in memory; longer lines are emitted in pieces. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines. Works on bytes, not decoded text, because `\n` never occurs
 * inside a multi-byte UTF-8 character, so a chunk boundary can never split a line wrongly; a
 * line is decoded only once it is whole. A script printing without newlines (a progress bar,
 * `head -c 1G /dev/zero`) costs at most `maxLineBytes`: the line is emitted in pieces, each cut
 * at a character boundary.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private discarding = false;
  private pendingBytes = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, newline));
      this.emitPending();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a trailing newline is still a line. */
  /**
   * Takes `chunk` as push would, without making its lines: only what stays pending (the open line)
   * is kept. For output that is dropped but whose last line may still end later.
   */
  skip(chunk: Buffer): void {
    const newline = chunk.lastIndexOf(0x0a);
    if (newline !== -1) {
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.discarding = true;
    try {
      this.append(newline === -1 ? chunk : chunk.subarray(newline + 1));
    } finally {
      this.discarding = false;
    }
  }

  /** A splitter that goes on from where this one is (its open line), leaving this one as it is. */
  fork(emit: (line: string) => void): LineSplitter {
    const copy = new LineSplitter(emit, this.maxLineBytes);
    copy.pending = [...this.pending];
    copy.pendingBytes = this.pendingBytes;
    return copy;
  }

  end(): void {
    if (this.pendingBytes > 0) this.emitPending();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.pendingBytes + part.length <= this.maxLineBytes) {
      this.pending.push(part);
      this.pendingBytes += part.length;
      return;
    }
    let rest = Buffer.concat([...this.pending, part]);
    while (rest.length > this.maxLineBytes) {
      let cut = charBoundaryAtOrBefore(rest, this.maxLineBytes);
      if (cut === 0) cut = this.maxLineBytes;
      if (!this.discarding) this.emit(rest.subarray(0, cut).toString("utf8"));
      rest = rest.subarray(cut);
    }
    // Copy so the pending piece does not pin the (possibly large) concatenated buffer.
    this.pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.pendingBytes = rest.length;
  }

  private emitPending(): void {
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let line = bytes.toString("utf8");
    // Scripts written on Windows or talking to terminals end lines with \r\n.
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.emit(line);
  }
}
