import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeFailure } from "../../src/run/describe-failure.js";
import { LocalExecutor } from "../../src/run/local-executor.js";
import { bashSpec, isAlive, killQuietly, makeTempDir, pidWrittenTo, waitFor } from "../helpers/run.js";

const temp = makeTempDir();
const executor = new LocalExecutor();
const leftovers: number[] = [];
afterAll(() => {
  leftovers.forEach(killQuietly);
  temp.remove();
});

/** A script that starts a background child, records its pid, and waits; optionally deaf to SIGTERM. */
async function startWithChild(name: string, ignoreTerm = false) {
  const pidFile = join(temp.dir, `${name}.pid`);
  const trap = ignoreTerm ? "trap '' TERM; " : "";
  const running = executor.start(bashSpec(`${trap}sleep 999 & echo $! > ${pidFile}; while :; do sleep 0.05; done`));
  const child = await pidWrittenTo(pidFile);
  leftovers.push(child);
  return { running, child };
}

describe("a run that is replaced or stopped is cancelled with its whole process group", () => {
  it("cancel terminates the script and its background child, and says cancelled", async () => {
    const { running, child } = await startWithChild("cancel");
    running.cancel(5_000);
    const outcome = await running.done;
    expect(outcome).toMatchObject({ cancelled: true, timedOut: false, signal: "SIGTERM" });
    expect(describeFailure(outcome, null)).toBe("cancelled");
    await waitFor(() => !isAlive(child), { what: "the background child to be gone" });
  });

  it("kill does not wait for a grace period already running", async () => {
    const { running, child } = await startWithChild("kill", true);
    const started = performance.now();
    running.cancel(60_000);
    running.kill();
    const outcome = await running.done;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcome).toMatchObject({ cancelled: true, signal: "SIGKILL" });
    await waitFor(() => !isAlive(child), { what: "the background child to be gone" });
  });

  it("a second cancel with a shorter grace brings the SIGKILL closer", async () => {
    const { running } = await startWithChild("shorter", true);
    const started = performance.now();
    running.cancel(60_000);
    running.cancel(100);
    const outcome = await running.done;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(outcome.signal).toBe("SIGKILL");
  });

  it("cancel and kill after the run finished do nothing", async () => {
    const running = executor.start(bashSpec("exit 0"));
    const outcome = await running.done;
    running.cancel(0);
    running.kill();
    expect(outcome).toMatchObject({ cancelled: false, exitCode: 0 });
  });
});

describe("process groups do not outlive the daemon", () => {
  it("the executor's killAll kills every group still running, SIGTERM or not", async () => {
    const first = await startWithChild("all-1", true);
    const second = await startWithChild("all-2");
    expect(executor.killAll()).toBe(2);
    const outcomes = await Promise.all([first.running.done, second.running.done]);
    expect(outcomes.map((o) => o.signal)).toEqual(["SIGKILL", "SIGKILL"]);
    await waitFor(() => !isAlive(first.child) && !isAlive(second.child), { what: "both background children to be gone" });
    expect(executor.running()).toBe(0);
  });
});
