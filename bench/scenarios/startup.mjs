/**
 * 5. Start-up and validate: `orchestrate --version` against `node -e 0` (what any Node CLI pays
 * before its first line of code), `orchestrate validate` of a 10,000-task file against parsing
 * the same file with the same YAML parser and nothing else, and of a 100,000-task file for its
 * wall time and peak RSS: validation must stay linear and light.
 */
import { join } from "node:path";
import { run as runToExit } from "../lib/child.mjs";
import { NODE, ROOT, orchestrate, pad, withTempDir, writeConfig } from "../lib/project.mjs";
import { median } from "../lib/stats.mjs";
import { num, row, times } from "../lib/table.mjs";

const TASKS = 10_000;
const MANY_TASKS = 100_000;

function writeTasks(dir, count) {
  return writeConfig(
    dir,
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`task-${pad(i, 6)}`, { cron: `${i % 60} ${(i >> 6) % 24} * * *`, command: "true" }])),
  );
}

/** The CLI in this process, so that its own peak RSS (getrusage's maxrss) is what is read. */
function validateWithPeak(config, dir) {
  const main = JSON.stringify(join(ROOT, "dist", "cli", "main.js"));
  const argv = JSON.stringify(["node", "orchestrate", "validate", config, "--state", join(dir, "state.db")]);
  const code = `import { main } from ${main}; process.on("exit", () => process.stderr.write("maxrss " + process.resourceUsage().maxRSS + "\\n")); await main(${argv});`;
  return [NODE, ["--input-type=module", "-e", code]];
}

export const name = "startup";

export async function run({ quick, log }) {
  const reps = quick ? 7 : 21;
  const validateReps = quick ? 3 : 7;
  const version = await timeAlternately(
    {
      ours: orchestrate("--version"),
      node: [NODE, ["-e", "0"]],
    },
    reps,
  );
  log(`--version ${num(version.ours)} ms, node -e 0 ${num(version.node)} ms`);

  const validate = await withTempDir("validate", async (dir) => {
    const config = writeTasks(dir, TASKS);
    const parseOnly = `import { readFileSync } from "node:fs"; import { parse } from "yaml"; parse(readFileSync(${JSON.stringify(config)}, "utf8"));`;
    return timeAlternately(
      {
        ours: orchestrate("validate", config, "--state", join(dir, "state.db")),
        yaml: [NODE, ["--input-type=module", "-e", parseOnly]],
      },
      validateReps,
      ROOT,
    );
  });
  log(`validate ${num(validate.ours)} ms, yaml parse alone ${num(validate.yaml)} ms`);

  const many = await withTempDir("validate-many", async (dir) => {
    const config = writeTasks(dir, quick ? MANY_TASKS / 10 : MANY_TASKS);
    const [command, args] = validateWithPeak(config, dir);
    const result = await runToExit(command, args, { cwd: ROOT, timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`validate of ${MANY_TASKS} tasks exited ${result.code}: ${result.stderr.slice(-5).join("\n")}`);
    const peakKb = Number(/maxrss (\d+)/.exec(result.stderr.join("\n"))?.[1]);
    return { wallMs: result.wallMs, peakMb: peakKb / 1024 };
  });
  log(`validate of ${MANY_TASKS} tasks ${num(many.wallMs)} ms, peak RSS ${num(many.peakMb)} MB`);

  return [
    row({
      scenario: "5. Start-up",
      metric: `\`orchestrate --version\` wall time, ms, median of ${reps}`,
      ours: num(version.ours),
      baselines: `node -e 0 ${num(version.node)}`,
      ratio: times(version.ours / version.node),
      target: "≤ 1.5× node -e 0",
      pass: version.ours <= 1.5 * version.node,
      data: version,
    }),
    row({
      scenario: "5. Validate",
      metric: `\`orchestrate validate\` of ${TASKS.toLocaleString("en-US")} tasks, ms, median of ${validateReps}`,
      ours: num(validate.ours),
      baselines: `node + yaml parse of the same file ${num(validate.yaml)}`,
      ratio: times(validate.ours / validate.yaml),
      target: "< 1000 ms",
      pass: validate.ours < 1000,
      data: validate,
    }),
    row({
      scenario: "5. Validate, large",
      metric: `\`orchestrate validate\` of ${(quick ? MANY_TASKS / 10 : MANY_TASKS).toLocaleString("en-US")} tasks: wall time, s / peak RSS, MB`,
      ours: `${num(many.wallMs / 1000)} / ${num(many.peakMb)}`,
      target: "< 10 s and < 400 MB",
      pass: many.wallMs < 10_000 && many.peakMb < 400,
      data: many,
    }),
  ];
}

/** Each command in turn, `reps` rounds (after one warm-up round), median wall time of each. */
async function timeAlternately(commands, reps, cwd) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let rep = 0; rep <= reps; rep++) {
    for (const [key, [command, args]] of Object.entries(commands)) {
      const result = await runToExit(command, args, { cwd, timeoutMs: 60_000 });
      if (result.code !== 0) throw new Error(`${command} ${args.join(" ").slice(0, 120)} exited ${result.code}: ${result.stderr.slice(-5).join("\n")}`);
      if (rep > 0) samples[key].push(result.wallMs);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}
