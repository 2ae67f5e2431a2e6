/**
 * `npm run bench [-- --quick] [-- --only fire-lag,store]`: every scenario, each against baselines
 * measured in the same run, printed as a markdown table and written to bench/results/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeMachine, machine } from "./lib/machine.mjs";
import { ROOT } from "./lib/project.mjs";
import { markdownTable, row } from "./lib/table.mjs";

const SCENARIOS = ["fire-lag", "idle-cost", "spawn-throughput", "store", "startup", "output-flood", "cluster", "dashboard"];

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyAt = argv.indexOf("--only");
const only = onlyAt >= 0 ? argv[onlyAt + 1]?.split(",") : null;
const unknown = only?.filter((name) => !SCENARIOS.includes(name)) ?? [];
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(", ")}: use ${SCENARIOS.join(", ")}`);
  process.exit(2);
}

const began = performance.now();
function log(message) {
  const s = ((performance.now() - began) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
  log("dist/ is missing: npm run build");
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const host = machine();
log(`${quick ? "quick" : "full"} run on ${describeMachine(host)}`);

const rows = [];
const timings = {};
let crashed = false;
for (const name of SCENARIOS.filter((s) => !only || only.includes(s))) {
  const t0 = performance.now();
  log(`${name}: starting`);
  try {
    const scenario = await import(`./scenarios/${name}.mjs`);
    rows.push(...(await scenario.run({ quick, log: (m) => log(`${name}: ${m}`) })));
  } catch (error) {
    crashed = true;
    log(`${name}: FAILED: ${error.stack ?? error}`);
    rows.push(row({ scenario: name, metric: "(scenario crashed)", ours: String(error.message ?? error).split("\n")[0], pass: false }));
  }
  timings[name] = Math.round((performance.now() - t0) / 100) / 10;
  log(`${name}: done in ${timings[name]} s`);
}

const durationS = Math.round((performance.now() - began) / 1000);
const table = markdownTable(rows);
const passed = rows.filter((r) => r.pass === true).length;
const failed = rows.filter((r) => r.pass === false).length;
const reproduce = `npm install && npm run bench${quick ? " -- --quick" : ""}`;
const markdown = [
  `Measured ${host.date.slice(0, 10)} on ${describeMachine(host)}.`,
  `${quick ? "Quick (smoke) run" : "Full run"}, ${durationS} s: ${passed} targets met, ${failed} missed. Reproduce with \`${reproduce}\`.`,
  "",
  table,
  "",
].join("\n");

const resultsDir = join(ROOT, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, "latest.json"), JSON.stringify({ machine: host, quick, durationS, timings, rows }, null, 2) + "\n");
writeFileSync(join(resultsDir, "latest.md"), markdown);
process.stdout.write(`\n${markdown}\n`);
log(`wrote bench/results/latest.json and latest.md`);
process.exitCode = crashed ? 1 : 0;
