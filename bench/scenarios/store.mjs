/**
 * 4. Store: how many runs per second the SQLite store records, and how long `history` takes with
 * 1,000,000 runs in it. Writes go through the engine's own path (the RunRecorder: a run's record
 * is created, updated as it starts, and finished, with 100 runs in flight, as the daemon does);
 * the baseline is raw better-sqlite3 inserting one row per run, one transaction each, on the same
 * file. History is timed end to end through the CLI (what a person waits for), next to
 * `orchestrate --version` (start-up alone) and the store's query alone.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { run as runToExit } from "../lib/child.mjs";
import { ROOT, orchestrate, pad, withTempDir } from "../lib/project.mjs";
import { median } from "../lib/stats.mjs";
import { num, row, times } from "../lib/table.mjs";

export const name = "store";

const TASKS = 100;
const FAILED_EVERY = 37;
const dist = (path) => import(join(ROOT, "dist", path));

export async function run({ quick, log }) {
  const total = quick ? 100_000 : 1_000_000;
  const writes = quick ? 2_000 : 10_000;
  const reps = quick ? 3 : 7;
  return withTempDir("store", async (dir) => {
    const file = join(dir, "state.db");
    const fillMs = await fill(file, total);
    log(`filled ${total.toLocaleString("en-US")} runs in ${num(fillMs)} ms`);

    const config = join(dir, "orchestration.yaml");
    writeFileSync(config, `tasks:\n${Array.from({ length: TASKS }, (_, i) => `  task-${pad(i, 3)}:\n    cron: "*/5 * * * *"\n    command: "true"\n`).join("")}`);
    const cli = await historyCli(file, config, reps, log);
    const query = await historyQuery(file);
    const rate = await writeRate(file, writes);
    const rawRate = rawWriteRate(join(dir, "raw.db"), writes);
    log(`recorder ${num(rate.recorder)} runs/s, one write per transaction ${num(rate.unbatched)} runs/s, raw ${num(rawRate)} rows/s`);

    const scale = `${total.toLocaleString("en-US")} runs`;
    return [
      row({
        scenario: "4. Store, runs recorded per second",
        metric: `runs/s: create + start + finish, ${writes.toLocaleString("en-US")} runs on a ${scale} store`,
        ours: `${num(rate.recorder)} (recorder, 100 in flight); ${num(rate.unbatched)} (one transaction per write)`,
        baselines: `raw better-sqlite3, one INSERT per run: ${num(rawRate)} rows/s`,
        ratio: `${times(rate.recorder / rawRate)} raw`,
        target: "≥ 2,000 runs/s",
        pass: rate.recorder >= 2000,
        data: { fillMs, total, writes, ...rate, rawRate },
      }),
      ...[
        ["history --limit 50", "limit"],
        ["history TASK --status failed", "failed"],
      ].map(([label, key]) =>
        row({
          scenario: `4. Store, \`${label}\` at ${scale}`,
          metric: `CLI wall time, ms, median of ${reps} (query alone in the store)`,
          ours: `${num(cli[key])} (query ${num(query[key])})`,
          baselines: `orchestrate --version ${num(cli.version)}`,
          ratio: `${cli[key] >= cli.version ? "+" : "−"}${num(Math.abs(cli[key] - cli.version))} ms vs start-up alone`,
          target: "< 100 ms",
          pass: cli[key] < 100,
          data: { cliMs: cli[key], queryMs: query[key], versionMs: cli.version },
        }),
      ),
      row({
        scenario: `4. Store, \`status\` of ${TASKS} tasks at ${scale}`,
        metric: `CLI wall time, ms, median of ${reps}: every task's next fire, last run and running runs (config a daemon has loaded)`,
        ours: num(cli.status),
        baselines: `orchestrate --version ${num(cli.version)}; status of a config no daemon has loaded ${num(cli.statusUnplanned)}`,
        ratio: `${cli.status >= cli.version ? "+" : "−"}${num(Math.abs(cli.status - cli.version))} ms vs start-up alone`,
        target: "< 150 ms",
        pass: cli.status < 150,
        data: { cliMs: cli.status, unplannedMs: cli.statusUnplanned, versionMs: cli.version },
      }),
    ];
  });
}

/** `total` finished runs over 100 tasks, one in FAILED_EVERY failed, written straight into a store the store itself created. */
export async function fill(file, total) {
  const { SqliteStore } = await dist("store/sqlite/sqlite-store.js");
  await new SqliteStore(file).close();
  const t0 = performance.now();
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const columns = new Set(db.prepare("PRAGMA table_info(runs)").all().map((c) => c.name));
  const start = Date.now() - total * 1000;
  const sample = (i) => {
    const scheduled = new Date(start + i * 1000).toISOString();
    const finished = new Date(start + i * 1000 + 120).toISOString();
    const failed = i % FAILED_EVERY === 0;
    const invocation = { index: 1, target: "scripts/job.sh", params: [], status: failed ? "failed" : "succeeded", attempts: 1, exitCode: failed ? 1 : 0, signal: null, error: failed ? "exit code 1" : null, output: "done\n", startedAt: scheduled, finishedAt: finished };
    return {
      task: `task-${pad(i % TASKS, 3)}`,
      trigger: "schedule",
      status: failed ? "failed" : "succeeded",
      scheduled_at: scheduled,
      started_at: scheduled,
      finished_at: finished,
      attempts: 1,
      exit_code: failed ? 1 : 0,
      error: failed ? "scripts/job.sh: exit code 1" : null,
      output: "done\n",
      invocations: JSON.stringify([invocation]),
      daemon_id: "bench:1",
      created_ms: start + i * 1000,
    };
  };
  const names = Object.keys(sample(0)).filter((c) => columns.has(c));
  const insert = db.prepare(`INSERT INTO runs (${names.join(", ")}) VALUES (${names.map((n) => `@${n}`).join(", ")})`);
  const batch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const values = sample(i);
      insert.run(Object.fromEntries(names.map((n) => [n, values[n]])));
    }
  });
  for (let i = 0; i < total; i += 50_000) batch(i, Math.min(total, i + 50_000));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.exec("ANALYZE");
  db.close();
  return performance.now() - t0;
}

async function historyCli(file, config, reps, log) {
  // Beside a daemon, status reads the plan the daemon keeps of its config (engine/status-plan.ts):
  // made here as the daemon makes it. The same config with one more comment has no plan: the
  // status of a file no daemon has loaded yet.
  const [{ loadConfigFile }, { writeStatusPlan }, { packageVersion }] = await Promise.all([dist("config/load.js"), dist("engine/status-plan.js"), dist("util/version.js")]);
  writeStatusPlan(loadConfigFile(config, { stateOverride: file, checkFiles: false }), readFileSync(config, "utf8"), packageVersion());
  const unplanned = config.replace(/\.yaml$/, ".unplanned.yaml");
  writeFileSync(unplanned, readFileSync(config, "utf8") + "\n# a file no daemon has loaded\n");
  const samples = { version: [], limit: [], failed: [], status: [], statusUnplanned: [] };
  const commands = {
    version: orchestrate("--version"),
    limit: orchestrate("history", "--limit", "50", "--state", file),
    failed: orchestrate("history", `task-${pad(42, 3)}`, "--status", "failed", "--state", file),
    status: orchestrate("status", config, "--state", file),
    statusUnplanned: orchestrate("status", unplanned, "--state", file),
  };
  for (let rep = 0; rep < reps + 1; rep++) {
    for (const [key, [command, args]] of Object.entries(commands)) {
      const result = await runToExit(command, args, { timeoutMs: 60_000 });
      if (result.code !== 0) throw new Error(`${args.join(" ")} exited ${result.code}: ${result.stderr.join("\n")}`);
      if (key !== "version" && result.stdout.length < 10) throw new Error(`${args.join(" ")} printed too little: ${result.stdout.join("\n")}`);
      if (rep > 0) samples[key].push(result.wallMs); // the first round warms the page cache
    }
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  log(`CLI: --version ${num(medians.version)} ms, history --limit 50 ${num(medians.limit)} ms, history TASK --status failed ${num(medians.failed)} ms, status ${num(medians.status)} ms (${num(medians.statusUnplanned)} ms on a file no daemon has loaded)`);
  return medians;
}

async function historyQuery(file) {
  const { SqliteStore } = await dist("store/sqlite/sqlite-store.js");
  const store = new SqliteStore(file);
  try {
    const timeOf = async (query) => {
      const samples = [];
      for (let i = 0; i < 21; i++) {
        const t0 = performance.now();
        const runs = await store.history(query);
        samples.push(performance.now() - t0);
        if (runs.length === 0) throw new Error(`history ${JSON.stringify(query)} found nothing`);
      }
      return median(samples.slice(1));
    };
    return { limit: await timeOf({ limit: 50 }), failed: await timeOf({ task: `task-${pad(42, 3)}`, status: "failed", limit: 20 }) };
  } finally {
    await store.close();
  }
}

/** Runs recorded the way the daemon records them, `inFlight` at a time: create (awaited), start (not awaited), finish (awaited). */
async function writeRate(file, count) {
  const { SqliteStore } = await dist("store/sqlite/sqlite-store.js");
  const { RunRecorder } = await dist("engine/recorder.js");
  const { EventBus } = await dist("events/bus.js");
  const { systemClock } = await dist("time/clock.js");
  const { newRunRecord } = await dist("store/types.js");
  const store = new SqliteStore(file);
  const bus = new EventBus();
  const failures = [];
  bus.on("log", (e) => e.level === "error" && failures.push(e.message));
  try {
    const recorder = new RunRecorder({ store, bus, clock: systemClock });
    await recorder.prepare();
    const lifecycle = async (i, submit, nextId) => {
      const id = await nextId();
      const at = new Date().toISOString();
      const invocation = { index: 1, target: "scripts/job.sh", params: [], status: "running", attempts: 1, exitCode: null, signal: null, error: null, output: "", startedAt: at, finishedAt: null };
      await submit({ kind: "create", run: newRunRecord({ id, task: `bench-${pad(i % TASKS, 3)}`, trigger: "schedule", status: "running", scheduledAt: at, startedAt: at }) });
      void submit({ kind: "update", id, patch: { invocations: [invocation] } });
      const done = new Date().toISOString();
      await submit({ kind: "update", id, patch: { status: "succeeded", finishedAt: done, attempts: 1, exitCode: 0, output: "done\n", invocations: [{ ...invocation, status: "succeeded", exitCode: 0, output: "done\n", finishedAt: done }] } });
    };
    const timed = async (inFlight, submit, nextId) => {
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < count) await lifecycle(next++, submit, nextId);
        }),
      );
      return (count * 1000) / (performance.now() - t0);
    };
    const recorderRate = await timed(100, (op) => recorder.submit(op), async () => recorder.nextRunId());
    const unbatched = await timed(1, (op) => store.applyWrites([op]), () => store.reserveRunIds(1));
    if (failures.length) throw new Error(`the recorder reported: ${failures[0]}`);
    return { recorder: recorderRate, unbatched };
  } finally {
    await store.close();
  }
}

/** One row per run, one transaction each (autocommit), WAL and synchronous=NORMAL like the store. */
function rawWriteRate(file, count) {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, status TEXT NOT NULL, scheduled_at TEXT, finished_at TEXT, output TEXT)");
    const insert = db.prepare("INSERT INTO runs (task, status, scheduled_at, finished_at, output) VALUES (?, ?, ?, ?, ?)");
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const at = new Date().toISOString();
      insert.run(`bench-${i % TASKS}`, "succeeded", at, at, "done\n");
    }
    return (count * 1000) / (performance.now() - t0);
  } finally {
    db.close();
  }
}
