import { chmodSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { commandInvocation } from "../../src/run/invocation.js";
import { startProcess } from "../../src/run/process.js";
import { superviseLaunch } from "../../src/run/supervise.js";
import { launchWithSpawn } from "../../src/spawner/launch.js";
import { bashSpec, makeTempDir, writeScript } from "../helpers/run.js";

import type { ProcessSpec, RunningProcess } from "../../src/run/executor.js";

const temp = makeTempDir();
afterAll(() => temp.remove());

const launchers: Array<[string, (spec: ProcessSpec) => RunningProcess]> = [
  ["execa (commands, the library)", startProcess],
  ["child_process (the spawner)", (spec) => superviseLaunch(spec, launchWithSpawn)],
];

/** The spec the engine makes of a `command:` line. */
function lineSpec(line: string, cwd = temp.dir): ProcessSpec {
  return { ...bashSpec(""), ...commandInvocation(line), cwd, env: { PATH: process.env.PATH!, PWD: "/somewhere/else" } };
}

describe.each(launchers)("a plain command: line started with %s", (_, start) => {
  it("runs the program itself, in the task's directory, with PWD naming it as bash would", async () => {
    const spec = lineSpec("env");
    expect(spec.command).toBe("env");
    const outcome = await start(spec).done;
    expect(outcome.exitCode).toBe(0);
    expect(outcome.output.split("\n")).toContain(`PWD=${temp.dir}`);
  });

  it("a program that is not there is run by bash after all: exit 127 and bash's message, as before", async () => {
    const outcome = await start(lineSpec("no-such-program-orchestrate --flag")).done;
    expect(outcome.spawnError).toBeNull();
    expect(outcome.exitCode).toBe(127);
    expect(outcome.output).toMatch(/no-such-program-orchestrate: command not found/);
  });

  it("a script without a #! line, or not executable, is run by bash as before", async () => {
    const noShebang = writeScript(temp.dir, "plain.sh", "echo from-plain-script\n");
    chmodSync(noShebang, 0o755);
    expect((await start(lineSpec("./plain.sh")).done).output).toBe("from-plain-script");
    const notExecutable = writeScript(temp.dir, "locked.sh", "#!/bin/sh\necho never\n");
    chmodSync(notExecutable, 0o644);
    const outcome = await start(lineSpec("./locked.sh")).done;
    expect(outcome.exitCode).toBe(126);
    expect(outcome.output).toMatch(/Permission denied/);
  });
});
