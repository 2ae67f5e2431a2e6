/**
 * 3. Spawn throughput: 1,000 tasks running `/bin/true`, all due the same instant (concurrency
 * allow), timed from that instant until the store holds all 1,000 finished runs. Baseline: raw
 * child_process.spawn + reap of 1,000 `/bin/true` at once, and of 1,000 `bash -c /bin/true` (a
 * `command:` line runs under bash, so that is the same process tree orchestrate starts).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { start, until } from "../lib/child.mjs";
import { ourContenders, serving } from "../lib/contenders.mjs";
import { pad, peer, withTempDir, writeConfig } from "../lib/project.mjs";
import { median } from "../lib/stats.mjs";
import { num, row } from "../lib/table.mjs";

const COUNT = 1_000;
/** Time to start and arm before the instant: the daemon loads 1,000 tasks well within it. */
const LEAD_MS = 3_000;

export const name = "spawn-throughput";

export async function run({ quick, log }) {
  const reps = quick ? 1 : 3;
  const contenders = ourContenders();
  const times = Object.fromEntries([...contenders.map((c) => [c.key, []]), ["true", []], ["bash", []]]);
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of [...contenders.map((c) => c.key), "true", "bash"]) {
      const contender = contenders.find((c) => c.key === kind);
      const ms = contender ? await ours(rep, contender) : await raw(kind);
      times[kind].push(ms);
      log(`rep ${rep + 1}/${reps}, ${contender?.label ?? kind}: ${num(ms)} ms`);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  return ["orchestrate", "served"].map((key) => {
    const share = m.true / m[key];
    const before = key === "orchestrate" && m.before ? `orchestrate before ${num(m.before)} (${num((m.true / m.before) * 100)} %); ` : "";
    return row({
      scenario: `3. Spawn throughput, ${COUNT.toLocaleString("en-US")} × /bin/true due at once${key === "served" ? ", API + webhooks on" : ""}`,
      metric: `due → all ${COUNT.toLocaleString("en-US")} recorded (raw: reaped), ms, median of ${reps}`,
      ours: `${num(m[key])} (${num((COUNT * 1000) / m[key])} runs/s)`,
      baselines: `${before}raw spawn /bin/true ${num(m.true)}; raw spawn bash -c /bin/true ${num(m.bash)}`,
      ratio: `${num(share * 100)} % of raw spawn's throughput (${num((m.bash / m[key]) * 100)} % of bash -c)`,
      target: "≥ 90 % of raw spawn",
      pass: share >= 0.9,
      data: { times, medians: m },
    });
  });
}

async function ours(rep, contender) {
  return withTempDir("spawn", async (dir) => {
    const at = Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000;
    const fields = { at: new Date(at).toISOString(), concurrency: "allow", command: "/bin/true" };
    const config = writeConfig(dir, Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [`true-${pad(i, 4)}`, fields])));
    const served = contender.served ? await serving(config) : null;
    const state = join(dir, `state-${rep}.db`);
    const child = start(contender.bin, ["run", config, "--state", state, "--no-color"], { cwd: dir });
    let db;
    try {
      await child.waitFor(/orchestrate is running/, 30_000);
      if (Date.now() >= at) throw new Error("the daemon armed after the due instant; raise LEAD_MS");
      db = new Database(state, { readonly: true, fileMustExist: true });
      const finished = db.prepare(`SELECT count(*) AS n, sum(status = 'succeeded') AS ok FROM runs WHERE status NOT IN ('running', 'pending')`);
      const done = await until(
        () => {
          const { n, ok } = finished.get();
          return n >= COUNT ? { at: Date.now(), n, ok } : null;
        },
        { everyMs: 10, timeoutMs: 120_000, what: `${COUNT} finished runs in the store` },
      );
      if (done.ok !== COUNT) throw new Error(`${COUNT - done.ok} of ${COUNT} runs did not succeed`);
      return done.at - at;
    } finally {
      db?.close();
      await child.stop();
      await served?.close();
    }
  });
}

async function raw(kind) {
  const at = Math.ceil((Date.now() + 1_000) / 1000) * 1000;
  const child = start(...peer("spawn-burst.mjs", kind, COUNT, at));
  try {
    const done = await child.waitFor(/^done /, 120_000);
    const [, doneAt, , failed] = done.line.split(" ");
    if (Number(failed) > 0) throw new Error(`${failed} raw spawns failed`);
    return Number(doneAt) - at;
  } finally {
    await child.stop();
  }
}
