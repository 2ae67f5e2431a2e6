/**
 * The child process in which `orchestrate run` reads its configuration (config/read-apart.ts): the
 * YAML parse, the schema and the normalizer leave tens of megabytes of garbage and modules behind,
 * which a daemon would carry for months. Here they die with the process; the daemon gets the plan,
 * the normalized configuration as JSON, on stdout, or the located problems, exactly as the
 * in-process loader reports them.
 *
 * argv[2]: JSON of { file, options } (LoadOptions). stdout: JSON of a PlanMessage.
 */
import { configFromText, readConfigText, type LoadOptions } from "./load.js";
import { ConfigError } from "./problems.js";
import type { PlanMessage } from "./plan-message.js";
import { packTasks } from "./plan-tasks.js";
import { sourceOf } from "./source.js";

function plan(file: string, options: LoadOptions): PlanMessage {
  try {
    const text = readConfigText(file);
    const config = configFromText(text, file, options);
    return { config: { ...config, tasks: [] }, tasks: packTasks(config.tasks), source: sourceOf(text) };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const { file, options } = JSON.parse(process.argv[2]!) as { file: string; options: LoadOptions };
// A pipe is written synchronously on Linux; the process then ends when nothing is left to do.
process.stdout.write(JSON.stringify(plan(file, options)));
