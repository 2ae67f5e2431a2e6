/**
 * 7. Cluster on PostgreSQL (ORCHESTRATE_TEST_PG, or 127.0.0.1:5432/test), next to one daemon on
 * SQLite in the same run:
 * - claim throughput: 1,000 tasks running `/bin/true`, all due the same instant, fired by three
 *   daemons sharing one schema (each fire claimed once in the database), timed from that instant
 *   until the store holds all 1,000 finished runs; the same config on one SQLite daemon.
 * - failover: three daemons, a task whose run sleeps; the node running it is SIGKILLed; timed from
 *   the kill until another node has started the run again (lease 3 s, the shortest allowed).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { start, until } from "../lib/child.mjs";
import { orchestrate, pad, withTempDir, writeConfig } from "../lib/project.mjs";
import { median } from "../lib/stats.mjs";
import { num, row } from "../lib/table.mjs";

const PG_URL = process.env.ORCHESTRATE_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";
const COUNT = 1_000;
const NODES = 3;
const LEAD_MS = 4_000;

export const name = "cluster";

export async function run({ quick, log }) {
  if (!(await reachable())) {
    return [row({ scenario: "7. Cluster", metric: "(skipped)", ours: `PostgreSQL not reachable at ${PG_URL}` })];
  }
  const reps = quick ? 1 : 3;
  const times = { cluster: [], sqlite: [] };
  const failovers = [];
  for (let rep = 0; rep < reps; rep++) {
    times.cluster.push(await burst(rep, "cluster"));
    times.sqlite.push(await burst(rep, "sqlite"));
    log(`rep ${rep + 1}/${reps}: ${COUNT} fires due at once: cluster ${num(times.cluster.at(-1))} ms, one SQLite daemon ${num(times.sqlite.at(-1))} ms`);
    failovers.push(await failover(rep));
    log(`rep ${rep + 1}/${reps}: failover ${num(failovers.at(-1))} ms`);
  }
  const m = { cluster: median(times.cluster), sqlite: median(times.sqlite) };
  return [
    row({
      scenario: `7. Cluster: ${COUNT.toLocaleString("en-US")} × /bin/true due at once, ${NODES} nodes on PostgreSQL`,
      metric: `due → all recorded, ms (fires claimed/s), median of ${reps}`,
      ours: `${num(m.cluster)} (${num((COUNT * 1000) / m.cluster)} fires/s)`,
      baselines: `one daemon on SQLite ${num(m.sqlite)} (${num((COUNT * 1000) / m.sqlite)} runs/s)`,
      ratio: `${num(m.sqlite / m.cluster)}× one SQLite daemon's throughput`,
      data: { times },
    }),
    row({
      scenario: `7. Cluster failover, ${NODES} nodes, lease 3 s`,
      metric: `SIGKILL of the node running a forbid task → the task runs again on another node, ms, median of ${reps}`,
      ours: num(median(failovers)),
      baselines: "lease 3 s + heartbeat every 1 s",
      target: "< lease + 2 heartbeats (5 s)",
      pass: median(failovers) < 5_000,
      data: { failovers },
    }),
  ];
}

async function reachable() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema's location, and a function that drops it. */
function schema(tag) {
  const name = `bench_${tag}_${process.pid}_${Date.now().toString(36)}`;
  const url = new URL(PG_URL);
  url.searchParams.set("schema", name);
  url.searchParams.set("lease", "3s");
  const drop = async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
  };
  return { url: url.toString(), name, drop };
}

async function burst(rep, kind) {
  return withTempDir(`cluster-${kind}`, async (dir) => {
    const at = Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000;
    const fields = { at: new Date(at).toISOString(), concurrency: "allow", command: "/bin/true" };
    const config = writeConfig(dir, Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [`true-${pad(i, 4)}`, fields])));
    const store = kind === "cluster" ? schema(`burst${rep}`) : null;
    const state = store ? store.url : join(dir, `state-${rep}.db`);
    const children = Array.from({ length: kind === "cluster" ? NODES : 1 }, () => start(...orchestrate("run", config, "--state", state, "--no-color"), { cwd: dir }));
    const client = store ? new pg.Client({ connectionString: PG_URL }) : null;
    let db;
    try {
      await Promise.all(children.map((c) => c.waitFor(/orchestrate is running/, 60_000)));
      if (Date.now() >= at) throw new Error("the daemons armed after the due instant; raise LEAD_MS");
      const count = store
        ? (await client.connect(), async () => (await client.query(`SELECT count(*)::int AS n FROM "${store.name}".runs WHERE status = 'succeeded'`)).rows[0].n)
        : ((db = new Database(state, { readonly: true, fileMustExist: true })), async () => db.prepare(`SELECT count(*) AS n FROM runs WHERE status = 'succeeded'`).get().n);
      const done = await until(async () => ((await count()) >= COUNT ? Date.now() : null), { everyMs: 20, timeoutMs: 120_000, what: `${COUNT} succeeded runs` });
      return done - at;
    } finally {
      db?.close();
      await client?.end().catch(() => undefined);
      await Promise.all(children.map((c) => c.stop()));
      await store?.drop();
    }
  });
}

async function failover(rep) {
  return withTempDir("cluster-failover", async (dir) => {
    const store = schema(`failover${rep}`);
    const log = join(dir, "starts.txt");
    // forbid: one run at a time in the whole cluster, so nothing else runs it until the lease says the node is dead.
    const config = writeConfig(dir, {
      long: { cron: "* * * * * *", concurrency: "forbid", retries: 1, retry_delay: "1s", command: `echo "$NODE $ORCHESTRATE_SCHEDULED_AT" >> ${log}; sleep 60` },
    });
    const children = Array.from({ length: NODES }, (_, i) =>
      start(...orchestrate("run", config, "--state", store.url, "--no-color"), { cwd: dir, env: { ...process.env, NODE: String(i) } }),
    );
    const starts = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
    try {
      await Promise.all(children.map((c) => c.waitFor(/orchestrate is running/, 60_000)));
      const first = await until(() => starts()[0] ?? null, { timeoutMs: 30_000, what: "the first start" });
      const victim = children[Number(first.split(" ")[0])];
      const killedAt = Date.now();
      process.kill(victim.pid, "SIGKILL");
      const retried = await until(() => (starts().length >= 2 ? Date.now() : null), { everyMs: 10, timeoutMs: 60_000, what: "the task to run again on another node" });
      return retried - killedAt;
    } finally {
      await Promise.all(children.map((c) => c.stop()));
      await store.drop();
    }
  });
}
