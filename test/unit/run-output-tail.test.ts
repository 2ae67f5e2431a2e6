import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../src/run/line-splitter.js";
import { OutputTail } from "../../src/run/output-tail.js";

function split(chunks: Array<string | Buffer>, maxLineBytes?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLineBytes);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe("output is logged line by line, however it arrives", () => {
  it("lines split across chunks are joined, and a last line without newline still counts", () => {
    expect(split(["one\ntw", "o\n", "", "thr", "ee"])).toEqual(["one", "two", "three"]);
  });

  it("empty lines are kept and \\r\\n endings lose their \\r", () => {
    expect(split(["a\r\n\r\nb\n"])).toEqual(["a", "", "b"]);
  });

  it("a character split between two chunks arrives whole", () => {
    const bytes = Buffer.from("zß€😀\n");
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 5), bytes.subarray(5, 8), bytes.subarray(8)])).toEqual(["zß€😀"]);
  });

  it("a line longer than the limit comes in pieces, each cut between characters", () => {
    const line = "€".repeat(10); // 30 bytes
    const pieces = split([line, "\nnext\n"], 8);
    expect(pieces.slice(0, -1).join("")).toBe(line);
    expect(pieces.at(-1)).toBe("next");
    for (const piece of pieces) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(8);
    expect(pieces.join("")).not.toContain("\uFFFD");
  });

  it("output without any newline never holds more than one piece", () => {
    const lines = split([Buffer.alloc(100_000, "x")], 64 * 1024);
    expect(lines.map((l) => l.length)).toEqual([65_536, 100_000 - 65_536]);
  });
});

describe("a run keeps the tail of its output", () => {
  it("keeps the newest whole lines that fit in the limit", () => {
    const tail = new OutputTail(12);
    for (const line of ["first", "second", "third", "fourth"]) tail.push(line);
    expect(tail.text()).toBe("third\nfourth");
  });

  it("a single line longer than the limit keeps its end, cut between characters", () => {
    const tail = new OutputTail(5);
    tail.push("abc€€");
    expect(tail.text()).toBe("€");
    tail.push("0123456789");
    expect(tail.text()).toBe("56789");
  });

  it("never exceeds the limit, however many lines pass through", () => {
    const tail = new OutputTail(1000);
    for (let i = 0; i < 50_000; i++) tail.push(`line ${i}`);
    const text = tail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
    expect(text.endsWith("line 49999")).toBe(true);
    expect(text.startsWith("line ")).toBe(true);
  });

  it("a limit of 0 keeps nothing", () => {
    const tail = new OutputTail(0);
    tail.push("anything");
    expect(tail.text()).toBe("");
  });
});
