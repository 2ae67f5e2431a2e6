/**
 * The child process in which `orchestrate run` reads its configuration (config/read-apart.ts): the
 * YAML parse, the schema and the normalizer leave tens of megabytes of garbage and modules behind,
 * which a daemon would carry for months. Here they die with the process; the daemon gets the plan,
 * the normalized configuration as JSON lines on stdout (plan-message.ts), or the located problems,
 * exactly as the in-process loader reports them.
 *
 * argv[2]: JSON of { file, options } (LoadOptions).
 */
import { writeSync } from "node:fs";
import { configFromText, readConfigText, type LoadOptions } from "./load.js";
import type { PlanHead } from "./plan-message.js";
import { packTasks } from "./plan-tasks.js";
import { ConfigError } from "./problems.js";
import { sourceOf } from "./source.js";

/** Lines are gathered into pieces of about this size before they are written. */
const WRITE_PIECE = 64 * 1024;

function plan(file: string, options: LoadOptions): string[] {
  try {
    const text = readConfigText(file);
    const config = configFromText(text, file, options);
    const { common, own } = packTasks(config.tasks);
    const head: PlanHead = { config: { ...config, tasks: [] }, common, tasks: own.length, source: sourceOf(text) };
    return [head, ...own].map((line) => JSON.stringify(line));
  } catch (error) {
    const head: PlanHead = error instanceof ConfigError ? { problems: error.problems } : { error: error instanceof Error ? error.message : String(error) };
    return [JSON.stringify(head)];
  }
}

const { file, options } = JSON.parse(process.argv[2]!) as { file: string; options: LoadOptions };
// Written synchronously, so that all of it is out when the process ends.
let piece = "";
for (const line of plan(file, options)) {
  piece += `${line}\n`;
  if (piece.length >= WRITE_PIECE) {
    writeSync(1, piece);
    piece = "";
  }
}
writeSync(1, piece);
