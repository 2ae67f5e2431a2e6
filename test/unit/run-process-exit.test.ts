import { afterAll, describe, expect, it } from "vitest";
import { describeFailure } from "../../src/run/describe-failure.js";
import { startProcess } from "../../src/run/process.js";
import { bashSpec, makeTempDir, writeScript } from "../helpers/run.js";

const temp = makeTempDir();
afterAll(() => temp.remove());

describe("a script's exit is reported as it happened", () => {
  it("exit 0 with its output is success", async () => {
    const running = startProcess(bashSpec("echo hello; echo oops >&2"));
    expect(running.pid).toBeTypeOf("number");
    const outcome = await running.done;
    expect(outcome).toMatchObject({ exitCode: 0, signal: null, timedOut: false, cancelled: false, spawnError: null, leakedDescendants: false, pid: running.pid });
    expect(outcome.output.split("\n").sort()).toEqual(["hello", "oops"]);
    expect(outcome.durationMs).toBeGreaterThan(0);
    expect(describeFailure(outcome, null)).toBeNull();
  });

  it("a non-zero exit code is a failure that names the code", async () => {
    const outcome = await startProcess(bashSpec("exit 3")).done;
    expect(outcome.exitCode).toBe(3);
    expect(describeFailure(outcome, null)).toBe("exited with code 3");
  });

  it("death by a signal is a failure that names the signal", async () => {
    const outcome = await startProcess(bashSpec("kill -SEGV $$")).done;
    expect(outcome).toMatchObject({ exitCode: null, signal: "SIGSEGV" });
    expect(describeFailure(outcome, null)).toBe("killed by signal SIGSEGV");
  });

  it("the script gets exactly the environment it is given, nothing inherited", async () => {
    process.env.ORCHESTRATE_TEST_LEAK = "from the daemon";
    try {
      const outcome = await startProcess(bashSpec("echo \"[$FOO][${ORCHESTRATE_TEST_LEAK-unset}]\"", { env: { PATH: process.env.PATH!, FOO: "bar" } })).done;
      expect(outcome.output).toBe("[bar][unset]");
    } finally {
      delete process.env.ORCHESTRATE_TEST_LEAK;
    }
  });

  it("runs in the given working directory", async () => {
    const outcome = await startProcess(bashSpec("pwd -P", { cwd: temp.dir })).done;
    expect(outcome.output).toMatch(/orchestrate-run-/);
  });

  it("stdin is the given text, or empty so a script reading it does not hang", async () => {
    expect((await startProcess(bashSpec("cat", { stdin: '{"event":"failed"}' })).done).output).toBe('{"event":"failed"}');
    const outcome = await startProcess(bashSpec("cat; echo read-eof")).done;
    expect(outcome.output).toBe("read-eof");
  });

  it("a bash script given stdin does not source ~/.bashrc (bash would, with a socket on stdin)", async () => {
    writeScript(temp.dir, ".bashrc", "echo sourced-bashrc\n");
    const env = { PATH: process.env.PATH!, HOME: temp.dir };
    const outcome = await startProcess(bashSpec("cat", { env, stdin: "event" })).done;
    expect(outcome.output).toBe("event");
  });
});

describe("a script that cannot start is a failure, never an exception", () => {
  it("an interpreter that is not installed", async () => {
    const running = startProcess({ ...bashSpec(""), command: "no-such-interpreter-orchestrate" });
    expect(running.pid).toBeUndefined();
    running.cancel(0);
    running.kill();
    const outcome = await running.done;
    expect(outcome).toMatchObject({ exitCode: null, signal: null, pid: undefined });
    expect(outcome.spawnError).toMatch(/^could not start no-such-interpreter-orchestrate: ENOENT/);
    expect(describeFailure(outcome, null)).toBe(outcome.spawnError);
  });

  it("a working directory that does not exist is named as the cause", async () => {
    const outcome = await startProcess(bashSpec("true", { cwd: `${temp.dir}/missing` })).done;
    expect(outcome.spawnError).toBe(`could not start bash: working directory ${temp.dir}/missing does not exist or is not a directory`);
  });

  it("an argument node cannot pass (a NUL byte)", async () => {
    const outcome = await startProcess(bashSpec("true", { args: ["-c", "true", "a\0b"] })).done;
    expect(outcome.spawnError).toMatch(/^could not start bash: .*null bytes/);
  });
});
