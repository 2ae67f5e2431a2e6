import type { Readable } from "node:stream";
import { LineSplitter } from "./line-splitter.js";

export type OutputStream = "stdout" | "stderr";

/**
 * Reads one of a script's pipes ourselves instead of letting execa buffer it: execa's `maxBuffer`
 * breaks the script's pipe when exceeded, and buffering means memory grows with the output. Each
 * chunk is split into lines and handed on at once; nothing is kept here.
 */
export class OutputReader {
  /** Resolves when the pipe is closed: every process holding its write end has exited or closed it. */
  readonly closed: Promise<void>;
  private isClosed = false;
  /** None when nobody wants lines: the chunks alone are handed on. */
  private readonly splitter: LineSplitter | null;

  constructor(
    private readonly stream: Readable | null,
    name: OutputStream,
    onLine: ((stream: OutputStream, line: string) => void) | null,
    onChunk?: (stream: OutputStream, chunk: Buffer) => void,
  ) {
    this.splitter = onLine ? new LineSplitter((line) => onLine(name, line)) : null;
    if (!stream) {
      this.isClosed = true;
      this.closed = Promise.resolve();
      return;
    }
    stream.on("data", (chunk: Buffer) => {
      onChunk?.(name, chunk);
      this.splitter?.push(chunk);
    });
    // Errors (EIO, a destroy) end the reading like a close does; execa sees them too.
    stream.on("error", () => {});
    this.closed = new Promise((resolve) =>
      stream.once("close", () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  get open(): boolean {
    return !this.isClosed;
  }

  /**
   * Stops reading and emits the last partial line. Closing our end of a pipe that a leaked
   * background process still holds means its later writes get EPIPE (or SIGPIPE): the run is
   * over, and nobody would read them.
   */
  stop(): void {
    if (this.stream && !this.isClosed) this.stream.destroy();
    this.splitter?.end();
  }
}
