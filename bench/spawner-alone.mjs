/**
 * The floor of the two-process design: the built spawner (dist/spawner/main.js), forked as
 * `orchestrate run` forks it, sent 1,000 starts of /bin/true in messages of 32 (the environment
 * whole once, then as changes), timed until all are done; beside it, raw child_process.spawn of
 * the same 1,000 with the same pipes. No daemon: what is left between the two is the spawner's own cost.
 *   node bench/spawner-alone.mjs [ROUNDS]
 */
import { fork, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const COUNT = 1_000;
const BATCH = 32;
const rounds = Number(process.argv[2] ?? 3);
const SPAWNER = fileURLToPath(new URL("../dist/spawner/main.js", import.meta.url));

async function throughSpawner() {
  const spawner = fork(SPAWNER, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: ["--v8-pool-size=0", "--max-semi-space-size=1"], serialization: "advanced" });
  await new Promise((resolve) => spawner.once("spawn", resolve));
  await new Promise((resolve) => setTimeout(resolve, 300)); // its start-up is not what is measured
  const t0 = performance.now();
  let done = 0;
  const finished = new Promise((resolve) =>
    spawner.on("message", (messages) => {
      for (const m of messages) if (m.type === "done" && ++done === COUNT) resolve(performance.now() - t0);
    }),
  );
  const env = { ...process.env };
  for (let i = 0; i < COUNT; i += BATCH) {
    const batch = [];
    for (let id = i + 1; id <= Math.min(COUNT, i + BATCH); id++) {
      const wireEnv = id === 1 ? { base: env } : { set: { ORCHESTRATE_RUN_ID: String(id) }, unset: [] };
      batch.push({ type: "start", id, spec: { command: "/bin/true", args: [], cwd: "/", env: wireEnv, timeoutMs: null, killGraceMs: 10_000, output: true, outputLimitBytes: 65_536 } });
    }
    spawner.send(batch);
  }
  const ms = await finished;
  spawner.disconnect();
  return ms;
}

function raw() {
  const t0 = performance.now();
  let done = 0;
  return new Promise((resolve) => {
    for (let i = 0; i < COUNT; i++) {
      spawn("/bin/true", [], { stdio: ["ignore", "pipe", "pipe"] }).on("exit", () => {
        if (++done === COUNT) resolve(performance.now() - t0);
      });
    }
  });
}

for (let round = 1; round <= rounds; round++) {
  const s = await throughSpawner();
  const r = await raw();
  console.log(`round ${round}: spawner alone ${s.toFixed(0)} ms, raw spawn ${r.toFixed(0)} ms: ${((100 * r) / s).toFixed(1)} % of raw's throughput`);
}
