import { resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { parseDuration } from "../../time/duration.js";
import { scriptTypeFor } from "../../run/invocation.js";
import type { OneOffSpec } from "../../config/model.js";
import { orchestratorForState, UserError } from "../context.js";
import { parseTimeOption } from "../format.js";

interface ScheduleOptions {
  url?: string;
  script?: string;
  type?: string;
  param: Array<[string, string]>;
  delay?: string;
  at?: string;
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
    .option("--url <url>", "GET this URL (retried 3 times, as an http task)")
    .option("--script <path>", "run this script")
    .addOption(new Option("--type <type>", "the script's interpreter (default: by extension, else bash)").choices(["bash", "python", "sh", "node"]))
    .option("--param <key=value>", "a script parameter, repeatable, in order", param, [])
    .option("--delay <seconds>", "due this long from now (seconds, or a duration such as 5m)")
    .option("--at <time>", "due at this time (ISO 8601)")
    .action(async (options: ScheduleOptions, command: Command) => {
      if (Boolean(options.url) === Boolean(options.script)) throw new UserError("give exactly one of --url URL or --script PATH", 2);
      if (options.delay !== undefined && options.at !== undefined) throw new UserError("give --delay or --at, not both", 2);
      if (options.url && !/^https?:\/\//.test(options.url)) throw new UserError(`--url "${options.url}" must start with http:// or https://`, 2);

      let when: { delayMs?: number; atMs?: number } = { delayMs: 0 };
      if (options.delay !== undefined) {
        const delayMs = parseDuration(options.delay);
        if (delayMs === null) throw new UserError(`--delay "${options.delay}" is not a number of seconds or a duration`, 2);
        when = { delayMs };
      } else if (options.at !== undefined) {
        const atMs = parseTimeOption(options.at, Date.now());
        if (atMs === null) throw new UserError(`--at "${options.at}" is not a time: use ISO 8601, e.g. 2026-12-01T09:00:00+01:00`, 2);
        when = { atMs };
      }

      let what: OneOffSpec;
      if (options.url) what = { kind: "http", url: options.url };
      else {
        const path = resolve(options.script!);
        what = { kind: "script", path, type: options.type ?? scriptTypeFor(path), params: options.param };
      }
      const orchestrator = await orchestratorForState(command);
      try {
        process.stdout.write(`${await orchestrator.scheduleOnce(what, when)}\n`);
      } finally {
        await orchestrator.close();
      }
    });
}
