import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeFailure } from "../../src/run/describe-failure.js";
import { startProcess } from "../../src/run/process.js";
import { bashSpec, isAlive, killQuietly, makeTempDir, pidWrittenTo, waitFor } from "../helpers/run.js";

const temp = makeTempDir();
const leftovers: number[] = [];
afterAll(() => {
  leftovers.forEach(killQuietly);
  temp.remove();
});

describe("a script that runs past its timeout is terminated with everything it started", () => {
  it("a hanging script and its background child are both gone after the timeout", async () => {
    const pidFile = join(temp.dir, "hang.pid");
    const started = performance.now();
    const running = startProcess(bashSpec(`sleep 999 & echo $! > ${pidFile}; sleep 999`, { timeoutMs: 300, killGraceMs: 10_000 }));
    const grandchild = await pidWrittenTo(pidFile);
    leftovers.push(grandchild);
    const outcome = await running.done;

    // Everything obeyed SIGTERM, so there was no reason to wait out the 10 s grace.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcome).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: "SIGTERM", leakedDescendants: false });
    expect(describeFailure(outcome, 300)).toBe("timed out after 300ms (process group terminated)");
    await waitFor(() => !isAlive(grandchild), { what: "the background child to be gone" });
  });

  it("a group that ignores SIGTERM gets SIGKILL once kill_grace has passed", async () => {
    const pidFile = join(temp.dir, "stubborn.pid");
    // An ignored signal stays ignored in children, so the background sleep ignores SIGTERM too.
    const script = `trap '' TERM; sleep 999 & echo $! > ${pidFile}; while :; do sleep 0.05; done`;
    const started = performance.now();
    const running = startProcess(bashSpec(script, { timeoutMs: 200, killGraceMs: 600 }));
    const grandchild = await pidWrittenTo(pidFile);
    leftovers.push(grandchild);
    const outcome = await running.done;

    expect(performance.now() - started).toBeGreaterThanOrEqual(750);
    expect(outcome).toMatchObject({ timedOut: true, signal: "SIGKILL" });
    // The script itself lived through the whole grace: SIGKILL came at timeout + kill_grace, not before.
    expect(outcome.durationMs).toBeGreaterThanOrEqual(200 + 600 - 50);
    await waitFor(() => !isAlive(grandchild), { what: "the background child to be gone" });
  });

  it("a script that finishes in time is not touched by its timeout", async () => {
    const outcome = await startProcess(bashSpec("echo quick", { timeoutMs: 5_000 })).done;
    expect(outcome).toMatchObject({ timedOut: false, exitCode: 0, output: "quick" });
  });

  it("a group whose leader died of SIGTERM is awaited until its last member is gone", async () => {
    const pidFile = join(temp.dir, "survivor.pid");
    // The child ignores SIGTERM and lives on after the script itself died of it.
    const script = `(trap '' TERM; exec sleep 999) & echo $! > ${pidFile}; sleep 999`;
    const started = performance.now();
    const running = startProcess(bashSpec(script, { timeoutMs: 200, killGraceMs: 500 }));
    const survivor = await pidWrittenTo(pidFile);
    leftovers.push(survivor);
    const outcome = await running.done;

    expect(performance.now() - started).toBeGreaterThanOrEqual(650);
    expect(outcome).toMatchObject({ timedOut: true, signal: "SIGTERM", leakedDescendants: false });
    // done resolved only after the SIGKILL: by then the survivor is dying or dead.
    await waitFor(() => !isAlive(survivor), { what: "the SIGTERM-ignoring child to be gone", timeoutMs: 2_000 });
  });
});
