import { fork } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

import type { Executor, ProcessOutcome } from "../../src/run/executor.js";

/** The built spawner and its executor: the spawner is started from dist/, as `orchestrate run` starts it. */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist");

async function builtExecutor(): Promise<Executor & { close(): void }> {
  const { SpawnerExecutor } = await import(pathToFileURL(resolve(DIST, "spawner/executor.js")).href);
  return new SpawnerExecutor();
}

/** Runs `env -0` through the executor with `env` and returns the environment the process saw. */
async function environmentSeen(executor: Executor, env: Record<string, string>): Promise<Record<string, string>> {
  let out = "";
  const running = executor.start({
    command: "env",
    args: ["-0"],
    cwd: "/",
    env,
    timeoutMs: 10_000,
    killGraceMs: 1_000,
    outputLimitBytes: 1 << 20,
    onChunk: (stream, chunk) => {
      if (stream === "stdout") out += chunk.toString("utf8");
    },
  });
  const outcome = await running.done;
  expect(outcome.exitCode).toBe(0);
  return Object.fromEntries(
    out
      .split("\0")
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

describe("the daemon and its spawner process", () => {
  it("each process gets exactly its own environment, whether it travels whole or as changes to the last one", async () => {
    const executor = await builtExecutor();
    try {
      const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/root", A: "1", B: "2", "WEIRD KEY": "x=y", __proto__x: "p" };
      const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`MANY_${i}`, String(i)]));
      const envs: Array<Record<string, string>> = [
        base,
        { ...base, A: "changed", C: "new" }, // changes
        { PATH: base.PATH, HOME: "/root", B: "2" }, // variables removed
        { ...base, ...many }, // too many changes: sent whole, the next base
        { ...base, ...many, MANY_3: "three" },
        base,
      ];
      // Started together (one batch), then one by one: both ways give each process its own.
      const together = await Promise.all(envs.map((env) => environmentSeen(executor, env)));
      together.forEach((seen, i) => expect(seen).toEqual(envs[i]));
      for (const env of envs) expect(await environmentSeen(executor, env)).toEqual(env);
    } finally {
      executor.close();
    }
  });

  it("a start the spawner cannot carry out is answered as a failed start, never left waiting", async () => {
    const spawner = fork(resolve(DIST, "spawner/main.js"), [], { stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
    try {
      const answer = new Promise<ProcessOutcome>((resolveOutcome) =>
        spawner.on("message", (messages: Array<{ type: string; id: number; outcome?: ProcessOutcome }>) => {
          const done = messages.find((m) => m.type === "done" && m.id === 7);
          if (done) resolveOutcome(done.outcome!);
        }),
      );
      // An environment that is neither whole nor changes: a daemon of another version, say.
      const spec = { command: "true", args: [], cwd: "/", env: { set: {} }, timeoutMs: null, killGraceMs: 1_000, outputLimitBytes: 1024, output: false };
      spawner.send([{ type: "start", id: 7, spec }]);
      const outcome = await answer;
      expect(outcome.pid).toBeUndefined();
      expect(outcome.spawnError).toMatch(/^could not start true: the spawner process failed/);
    } finally {
      spawner.kill("SIGKILL");
    }
  });
});
