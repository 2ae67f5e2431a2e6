/**
 * 6. Output flood: a script writes 1 GiB of 100-character lines to stdout. The daemon reads it all
 * (keeping the tail, logging lines while the log keeps up); we watch its peak RSS (and its
 * spawner's, which reads the pipes) and how long the run takes, against `cat > /dev/null` reading the same stream. The daemon's own log goes to a
 * pipe that a separate `cat > /dev/null` drains, as journald would.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { run as runToExit, start, until } from "../lib/child.mjs";
import { ourContenders, serving } from "../lib/contenders.mjs";
import { withTempDir, writeConfig, writeScript } from "../lib/project.mjs";
import { memoryMb, spawnerOf } from "../lib/proc.mjs";
import { num, row, times } from "../lib/table.mjs";

export const name = "output-flood";

export async function run({ quick, log }) {
  const bytes = quick ? 256 * 2 ** 20 : 2 ** 30;
  const size = quick ? "256 MiB" : "1 GiB";
  return withTempDir("flood", async (dir) => {
    writeScript(dir, "flood.sh", `yes "$(printf '%099d' 0)" | head -c ${bytes}`);
    const baseline = await runToExit("sh", ["-c", "sh flood.sh | cat > /dev/null"], { cwd: dir, timeoutMs: 300_000 });
    if (baseline.code !== 0) throw new Error(`the baseline failed: ${baseline.stderr.join("\n")}`);
    log(`cat > /dev/null: ${num(baseline.wallMs)} ms`);
    // The floor for any node process reading the pipe: a read per wake-up, doing nothing with it.
    const nodeReader = await runToExit("sh", ["-c", `sh flood.sh | "${process.execPath}" -e "process.stdin.resume()"`], { cwd: dir, timeoutMs: 300_000 });
    log(`node reading the pipe, doing nothing: ${num(nodeReader.wallMs)} ms`);
    const results = {};
    for (const contender of ourContenders()) {
      results[contender.key] = await flood(dir, contender);
      const r = results[contender.key];
      log(`${contender.label}: ${num(r.wallMs)} ms, peak RSS ${num(r.peakMb)} MB (idle ${num(r.idleMb)} MB; spawner ${r.spawnerPeakMb === null ? "none" : `${num(r.spawnerPeakMb)} MB`})`);
    }
    const before = results.before ? ` (before: ${num(results.before.wallMs)} ms, ${times(results.before.wallMs / baseline.wallMs)})` : "";
    return ["orchestrate", "served"].flatMap((key) => {
      const r = results[key];
      const scenario = `6. Output flood, ${size} to stdout${key === "served" ? ", API + webhooks on" : ""}`;
      const spawner = r.spawnerPeakMb === null ? "" : ` + spawner ${num(r.spawnerPeakMb)}`;
      return [
        row({
          scenario,
          metric: "peak RSS (VmHWM) of the daemon, and of its spawner, MB",
          ours: `${num(r.peakMb)}${spawner}`,
          baselines: `same daemon before the flood ${num(r.idleMb)}${key === "orchestrate" && results.before ? `; orchestrate before ${num(results.before.peakMb)}` : ""}`,
          ratio: `+${num(r.peakMb - r.idleMb)} MB`,
          target: "< 150 MB each",
          pass: r.peakMb < 150 && (r.spawnerPeakMb ?? 0) < 150,
          data: r,
        }),
        row({
          scenario,
          metric: "run wall time (started → finished, from the store), ms",
          ours: num(r.wallMs),
          baselines: `sh flood.sh | cat > /dev/null ${num(baseline.wallMs)}; | node reading, doing nothing ${num(nodeReader.wallMs)} (${times(nodeReader.wallMs / baseline.wallMs)})${key === "orchestrate" ? before : ""}`,
          ratio: times(r.wallMs / baseline.wallMs),
          target: "≤ 2× cat",
          pass: r.wallMs <= 2 * baseline.wallMs,
          data: { wallMs: r.wallMs, catMs: baseline.wallMs, nodeReaderMs: nodeReader.wallMs },
        }),
      ];
    });
  });
}

/** One flood through `contender`, its log into a pipe that `cat` drains as journald would. */
async function flood(dir, contender) {
  const config = writeConfig(dir, { flood: { delay: "1s", type: "sh", scripts: [{ path: "flood.sh" }] } });
  const served = contender.served ? await serving(config) : null;
  const state = join(dir, `state-${contender.key}.db`);
  const logReader = start("cat", [], { stdin: "pipe", stdout: "ignore" });
  const child = start(contender.bin, ["run", config, "--state", state, "--no-color"], { cwd: dir, stdout: logReader.proc.stdin });
  let db;
  try {
    // Its log goes to the reader, so the store says when it is up: it holds the lock.
    db = await until(() => (existsSync(state) ? new Database(state, { readonly: true, fileMustExist: true }) : null), { everyMs: 20, timeoutMs: 30_000, what: "the state store" });
    await until(() => tableExists(db, "daemon_lock") && db.prepare("SELECT count(*) AS n FROM daemon_lock").get().n > 0, { everyMs: 20, timeoutMs: 30_000, what: "the daemon to start" });
    const idle = memoryMb(child.pid);
    const finished = db.prepare(`SELECT status, started_at AS startedAt, finished_at AS finishedAt, length(output) AS kept FROM runs WHERE task = 'flood' AND finished_at IS NOT NULL`);
    const runRow = await until(() => finished.get(), { everyMs: 100, timeoutMs: 600_000, what: "the flood run to finish" });
    const memory = memoryMb(child.pid);
    const spawner = spawnerOf(child.pid);
    if (runRow.status !== "succeeded") throw new Error(`the flood run ${runRow.status}`);
    return {
      wallMs: Date.parse(runRow.finishedAt) - Date.parse(runRow.startedAt),
      peakMb: memory.peak,
      idleMb: idle.rss,
      spawnerPeakMb: spawner === null ? null : memoryMb(spawner).peak,
      keptBytes: runRow.kept,
    };
  } finally {
    db?.close();
    await child.stop();
    await logReader.stop();
    await served?.close();
  }
}

function tableExists(db, name) {
  return db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name).n > 0;
}
