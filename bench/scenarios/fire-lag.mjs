/**
 * 1. Fire lag: from the scheduled instant to the first thing the script itself does (`date +%s%N`),
 * for one task and for 100 tasks due the same second, every second. Contenders take turns, round
 * after round, so that a noisy minute on a shared machine hurts them alike, and each statistic is
 * the median over rounds. The first fire of each process is a warm-up and not counted.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { start, until } from "../lib/child.mjs";
import { ourContenders, serving } from "../lib/contenders.mjs";
import { pad, peer, writeConfig, writeScript, withTempDir } from "../lib/project.mjs";
import { median, summary } from "../lib/stats.mjs";
import { num, row, triple } from "../lib/table.mjs";

const CONTENDERS = [
  ...ourContenders(),
  { key: "raw", label: "raw Node" },
  { key: "croner-execa", label: "croner + execa" },
  { key: "node-cron", label: "node-cron" },
  { key: "cron", label: "cron" },
];

const LAG_SCRIPT = `echo "$(date +%s%N) $ORCHESTRATE_TASK $ORCHESTRATE_SCHEDULED_AT" >> "$LAG_FILE"`;

export const name = "fire-lag";

export async function run({ quick, log }) {
  const cases = quick
    ? [{ tasks: 1, rounds: 1, slots: 6 }, { tasks: 100, rounds: 1, slots: 2 }]
    : [{ tasks: 1, rounds: 3, slots: 20 }, { tasks: 100, rounds: 3, slots: 4 }];
  const rows = [];
  for (const c of cases) {
    const results = await withTempDir("fire-lag", (dir) => measureCase(dir, c, log));
    rows.push(...caseRow(c, results));
  }
  return rows;
}

async function measureCase(dir, { tasks, rounds, slots }, log) {
  const script = writeScript(dir, "lag.sh", LAG_SCRIPT);
  const taskFields = { cron: "* * * * * *", type: "sh", concurrency: "allow", scripts: [{ path: "lag.sh" }] };
  const config = writeConfig(dir, Object.fromEntries(Array.from({ length: tasks }, (_, i) => [`lag-${pad(i, 3)}`, taskFields])));
  const servedConfig = join(dir, "served.yaml");
  copyFileSync(config, servedConfig);
  const served = await serving(servedConfig);
  const results = Object.fromEntries(CONTENDERS.map((c) => [c.key, { lags: [], rounds: [], missed: 0, extra: 0 }]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round: nobody always goes first, right after a quiet pause.
    const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]);
    for (const contender of order) {
      const lagFile = join(dir, `lag-${contender.key}-${round}.txt`);
      const [command, args] = contender.bin
        ? [contender.bin, ["run", contender.served ? servedConfig : config, "--state", join(dir, `state-${contender.key}-${round}.db`), "--no-color"]]
        : peer("fire-lag.mjs", contender.key, tasks, script);
      const measured = await measureOnce({ command, args, lagFile, tasks, slots, cwd: dir });
      const into = results[contender.key];
      into.lags.push(...measured.lags);
      into.rounds.push(summary(measured.lags));
      into.missed += measured.missed;
      into.extra += measured.extra;
      log(`${tasks} task(s), round ${round + 1}/${rounds}, ${contender.label}: ${measured.lags.length} fires, p99 ${num(summary(measured.lags).p99)} ms`);
    }
  }
  await served.close();
  log(`${tasks} task(s): the webhook receiver got ${served.received} posts`);
  return results;
}

/** Starts a contender, lets it fire for `slots` seconds after its warm-up fire, and reads the lags its script wrote. */
async function measureOnce({ command, args, lagFile, tasks, slots, cwd }) {
  const child = start(command, args, { cwd, env: { ...process.env, LAG_FILE: lagFile } });
  let first;
  try {
    await child.waitFor(/ready:|orchestrate is running/, 30_000);
    first = await until(() => firstSlot(lagFile), { everyMs: 50, timeoutMs: 10_000, what: `a first fire of ${args.join(" ")}` });
    // The last slot's stragglers get time to write: 100 simultaneous `sh` take a few hundred ms.
    const endMs = first + slots * 1000 + (tasks > 1 ? 1_500 : 600);
    await delay(Math.max(0, endMs - Date.now()));
  } finally {
    await child.stop();
  }
  const counted = readLags(lagFile).filter((l) => l.slot > first && l.slot <= first + slots * 1000);
  const expected = tasks * slots;
  return {
    lags: counted.map((l) => l.lagMs),
    missed: Math.max(0, expected - counted.length),
    extra: Math.max(0, counted.length - expected),
  };
}

function firstSlot(file) {
  const slots = readLags(file).map((l) => l.slot);
  return slots.length ? Math.min(...slots) : null;
}

function readLags(file) {
  if (!existsSync(file)) return [];
  const lags = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [ns, task, iso] = line.split(" ");
    if (!iso) continue;
    const slot = Date.parse(iso);
    lags.push({ task, slot, lagMs: Number(BigInt(ns) - BigInt(slot) * 1_000_000n) / 1e6 });
  }
  return lags;
}

/**
 * Each statistic is the median over rounds of that round's value: one round disturbed by a
 * neighbour on a shared machine does not decide the result (all fires pooled are in the data).
 */
function caseRow({ tasks, rounds }, results) {
  const stats = Object.fromEntries(
    Object.entries(results).map(([key, r]) => {
      const of = (stat) => median(r.rounds.map((round) => round[stat]).filter((v) => v != null));
      return [key, { n: r.lags.length, p50: of("p50"), p99: of("p99"), max: of("max"), pooled: summary(r.lags), rounds: r.rounds, missed: r.missed, extra: r.extra }];
    }),
  );
  return ["orchestrate", "served"].map((key) => contenderRow({ tasks, rounds }, stats, key));
}

/** One row judging contender `key` against raw Node, with everybody else as baselines. */
function contenderRow({ tasks, rounds }, stats, key) {
  const ours = stats[key];
  const raw = stats.raw;
  const baselines = CONTENDERS.filter((c) => c.key !== key && !(key === "served" && c.key === "before"))
    .map((c) => `${c.label} ${triple(stats[c.key])}${stats[c.key].missed ? ` (${stats[c.key].missed} missed)` : ""}`)
    .join("; ");
  const missedNote = ours.missed || ours.extra ? ` (${ours.missed} missed, ${ours.extra} extra)` : "";
  const complete = ours.missed === 0 && ours.extra === 0 && ours.p99 != null && raw.p99 != null;
  const withServer = key === "served" ? ", API + webhooks on" : "";
  if (tasks === 1) {
    const diff = ours.p99 != null && raw.p99 != null ? ours.p99 - raw.p99 : null;
    return row({
      scenario: `1. Fire lag, 1 task every second${withServer}`,
      metric: `p50 / p99 / max ms, ${ours.n} fires each${rounds > 1 ? `, median of ${rounds} rounds` : ""}`,
      ours: triple(ours) + missedNote,
      baselines,
      ratio: diff == null ? "–" : `p99 ${diff >= 0 ? "+" : ""}${num(diff)} ms vs raw Node`,
      target: "p99 ≤ raw Node + 3 ms",
      pass: complete && diff <= 3,
      data: stats,
    });
  }
  const r = ours.p99 != null && raw.p99 ? ours.p99 / raw.p99 : null;
  return row({
    scenario: `1. Fire lag, ${tasks} tasks due the same second${withServer}`,
    metric: `p50 / p99 / max ms, ${ours.n} fires each${rounds > 1 ? `, median of ${rounds} rounds` : ""}`,
    ours: triple(ours) + missedNote,
    baselines,
    ratio: r == null ? "–" : `p99 ${num(r)}× raw Node`,
    target: "p99 ≤ 1.1× raw Node",
    pass: complete && r <= 1.1,
    data: stats,
  });
}
