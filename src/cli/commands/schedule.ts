import { resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { OneOffSpec } from "../../config/model.js";
import { oneOffProblem, oneOffTaskName } from "../../config/one-off.js";
import { scriptTypeFor } from "../../run/invocation.js";
import { formatDuration, parseDuration } from "../../time/duration.js";
import { orchestratorForState, UserError } from "../context.js";
import { parseTimeOption } from "../format.js";

interface ScheduleOptions {
  url?: string;
  script?: string;
  type?: string;
  param: Array<[string, string]>;
  delay?: string;
  at?: string;
  json?: boolean;
}

function param(value: string, previous: Array<[string, string]>): Array<[string, string]> {
  const eq = value.indexOf("=");
  if (eq < 1) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

export function registerSchedule(program: Command): void {
  program
    .command("schedule")
    .description("add a one-off run (a URL or a script) to the state store and print its id; a daemon on the same state runs it on time")
    .option("--url <url>", "GET this URL (retried 3 times, as an http task); user:password@ in it is sent as Basic auth")
    .option("--script <path>", "run this script")
    .addOption(new Option("--type <type>", "the script's interpreter (default: by extension, else bash)").choices(["bash", "python", "sh", "node"]))
    .option("--param <key=value>", "a script parameter, repeatable, in order; passed as written, never expanded", param, [])
    .option("--delay <seconds>", "due this long from now (seconds, or a duration such as 5m)")
    .option("--at <time>", "due at this time (ISO 8601)")
    .option("--json", "print {id, task, dueAt}")
    .action(async (options: ScheduleOptions, command: Command) => {
      if (Boolean(options.url) === Boolean(options.script)) throw new UserError("give exactly one of --url URL or --script PATH", 2);
      if (options.delay !== undefined && options.at !== undefined) throw new UserError("give --delay or --at, not both", 2);

      const now = Date.now();
      // A delay counts from when the run is queued, after the store is open, as the engine reckons it.
      let when: { delayMs?: number; atMs?: number } = { delayMs: 0 };
      if (options.delay !== undefined) {
        const delayMs = parseDuration(options.delay);
        if (delayMs === null) throw new UserError(`--delay "${options.delay}" is not a number of seconds or a duration`, 2);
        when = { delayMs };
      } else if (options.at !== undefined) {
        const atMs = parseTimeOption(options.at, now);
        if (atMs === null) throw new UserError(`--at "${options.at}" is not a time: use ISO 8601, e.g. 2026-12-01T09:00:00+01:00`, 2);
        // A daemon runs it as soon as it sees it, as it does a one-off it was down for: said now, not found out later.
        if (atMs < now) process.stderr.write(`orchestrate: warning: --at ${options.at} is in the past (${largestUnit(now - atMs)} ago): the run is due at once\n`);
        when = { atMs };
      }

      const what: OneOffSpec = options.url
        ? { kind: "http", url: options.url }
        : { kind: "script", path: resolve(options.script!), type: options.type ?? scriptTypeFor(options.script!), params: options.param };
      const problem = oneOffProblem(what);
      if (problem) throw new UserError(`${options.url ? "--url" : "--script"}: ${problem}`, 2);

      const orchestrator = await orchestratorForState(command);
      try {
        const id = await orchestrator.scheduleOnce(what, when);
        if (!options.json) {
          process.stdout.write(`${id}\n`);
          return;
        }
        const queued = await orchestrator.getResults(id);
        process.stdout.write(`${JSON.stringify({ id, task: oneOffTaskName(what), dueAt: queued?.scheduledAt ?? null }, null, 2)}\n`);
      } finally {
        await orchestrator.close();
      }
    });
}

/** "3d", "5h", "1.2s": how long ago, to its largest unit. */
function largestUnit(ms: number): string {
  return /^[\d.]+[a-z]+/.exec(formatDuration(ms))![0];
}
