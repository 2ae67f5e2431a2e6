/**
 * 6. Output flood: a script writes 1 GiB of 100-character lines to stdout. The daemon reads it all
 * (keeping the tail, logging lines while the log keeps up); we watch its peak RSS and how long the
 * run takes, against `cat > /dev/null` reading the same stream. The daemon's own log goes to a
 * pipe that a separate `cat > /dev/null` drains, as journald would.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { run as runToExit, start, until } from "../lib/child.mjs";
import { orchestrate, withTempDir, writeConfig, writeScript } from "../lib/project.mjs";
import { memoryMb } from "../lib/proc.mjs";
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

    const config = writeConfig(dir, { flood: { delay: "1s", type: "sh", scripts: [{ path: "flood.sh" }] } });
    const state = join(dir, "state.db");
    const logReader = start("cat", [], { stdin: "pipe", stdout: "ignore" });
    const child = start(...orchestrate("run", config, "--state", state, "--no-color"), { cwd: dir, stdout: logReader.proc.stdin });
    let db;
    try {
      // Its log goes to the reader, so the store says when it is up: it holds the lock.
      db = await until(() => (existsSync(state) ? new Database(state, { readonly: true, fileMustExist: true }) : null), { everyMs: 20, timeoutMs: 30_000, what: "the state store" });
      await until(() => tableExists(db, "daemon_lock") && db.prepare("SELECT count(*) AS n FROM daemon_lock").get().n > 0, { everyMs: 20, timeoutMs: 30_000, what: "the daemon to start" });
      const idle = memoryMb(child.pid);
      const finished = db.prepare(`SELECT status, started_at AS startedAt, finished_at AS finishedAt, length(output) AS kept FROM runs WHERE task = 'flood' AND finished_at IS NOT NULL`);
      const runRow = await until(() => finished.get(), { everyMs: 100, timeoutMs: 600_000, what: "the flood run to finish" });
      const memory = memoryMb(child.pid);
      if (runRow.status !== "succeeded") throw new Error(`the flood run ${runRow.status}`);
      const wallMs = Date.parse(runRow.finishedAt) - Date.parse(runRow.startedAt);
      log(`orchestrate: ${num(wallMs)} ms, peak RSS ${num(memory.peak)} MB (idle ${num(idle.rss)} MB)`);
      return [
        row({
          scenario: `6. Output flood, ${size} to stdout`,
          metric: "daemon peak RSS (VmHWM), MB",
          ours: num(memory.peak),
          baselines: `same daemon before the flood ${num(idle.rss)}`,
          ratio: `+${num(memory.peak - idle.rss)} MB`,
          target: "< 150 MB",
          pass: memory.peak < 150,
          data: { peakMb: memory.peak, idleMb: idle.rss, keptBytes: runRow.kept },
        }),
        row({
          scenario: `6. Output flood, ${size} to stdout`,
          metric: "run wall time (started → finished, from the store), ms",
          ours: num(wallMs),
          baselines: `sh flood.sh | cat > /dev/null ${num(baseline.wallMs)}`,
          ratio: times(wallMs / baseline.wallMs),
          data: { wallMs, catMs: baseline.wallMs },
        }),
      ];
    } finally {
      db?.close();
      await child.stop();
      await logReader.stop();
    }
  });
}

function tableExists(db, name) {
  return db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name).n > 0;
}
