import { describe, expect, it } from "vitest";
import { startProcess } from "../../src/run/process.js";
import { bashSpec } from "../helpers/run.js";

describe("every line a script prints is handed on as it arrives", () => {
  it("stdout and stderr lines are delivered with their stream, in order", async () => {
    const lines: string[] = [];
    const outcome = await startProcess(
      bashSpec("echo out-1; echo err-1 >&2; echo out-2; printf 'no-newline'", {
        onLine: (stream, line) => lines.push(`${stream}:${line}`),
      }),
    ).done;
    expect(lines.filter((l) => l.startsWith("stdout:"))).toEqual(["stdout:out-1", "stdout:out-2", "stdout:no-newline"]);
    expect(lines.filter((l) => l.startsWith("stderr:"))).toEqual(["stderr:err-1"]);
    expect(outcome.output.split("\n").sort()).toEqual(["err-1", "no-newline", "out-1", "out-2"]);
  });

  it("a failing output callback does not break the run", async () => {
    const outcome = await startProcess(
      bashSpec("echo a; echo b", {
        onLine: () => {
          throw new Error("log sink down");
        },
      }),
    ).done;
    expect(outcome).toMatchObject({ exitCode: 0, output: "a\nb" });
  });

  it("the outcome keeps only the tail, cut at a line boundary", async () => {
    const outcome = await startProcess(bashSpec("for i in $(seq 1 1000); do echo line-$i; done", { outputLimitBytes: 40 })).done;
    expect(outcome.output).toBe("line-997\nline-998\nline-999\nline-1000");
  });

  it("raw bytes are available to callers that parse stdout", async () => {
    const chunks: Buffer[] = [];
    await startProcess(
      bashSpec("head -c 200000 /dev/zero | tr '\\0' x", { onChunk: (stream, chunk) => stream === "stdout" && chunks.push(chunk) }),
    ).done;
    expect(Buffer.concat(chunks).toString()).toBe("x".repeat(200_000));
  });
});
