import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DRAIN_MS, startProcess } from "../../src/run/process.js";
import { bashSpec, isAlive, killQuietly, makeTempDir, pidWrittenTo } from "../helpers/run.js";

const temp = makeTempDir();
const leftovers: number[] = [];
afterAll(() => {
  leftovers.forEach(killQuietly);
  temp.remove();
});

describe("a script that exits but leaves a background process behind", () => {
  it("finishes when the script exits, not when the background process lets go of its output", async () => {
    const pidFile = join(temp.dir, "leak.pid");
    const started = performance.now();
    const outcome = await startProcess(bashSpec(`sleep 999 & echo $! > ${pidFile}; echo finished`)).done;
    const elapsed = performance.now() - started;
    const child = await pidWrittenTo(pidFile);
    leftovers.push(child);

    expect(outcome).toMatchObject({ exitCode: 0, leakedDescendants: true, output: "finished" });
    expect(elapsed).toBeGreaterThanOrEqual(DRAIN_MS - 5);
    expect(elapsed).toBeLessThan(5_000);
    // Like cron, a normal exit does not kill what the script chose to leave running.
    expect(isAlive(child)).toBe(true);
  });

  it("a background process with its output redirected is not a leak", async () => {
    const pidFile = join(temp.dir, "detached.pid");
    const outcome = await startProcess(bashSpec(`sleep 999 >/dev/null 2>&1 & echo $! > ${pidFile}; echo finished`)).done;
    leftovers.push(await pidWrittenTo(pidFile));
    expect(outcome).toMatchObject({ exitCode: 0, leakedDescendants: false, output: "finished" });
  });

  it("what a short-lived background process prints as the script exits is kept", async () => {
    const outcome = await startProcess(bashSpec("echo from-child & echo from-script")).done;
    expect(outcome.output.split("\n").sort()).toEqual(["from-child", "from-script"]);
    expect(outcome.leakedDescendants).toBe(false);
  });
});
