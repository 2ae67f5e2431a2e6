import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.js";
import { MAX_SIMULATED_FIRES, simulateFires } from "../../engine/simulate.js";
import { configPath, stateOverride, UserError } from "../context.js";
import { formatInZone, isoUtc, padTable, parseTimeOption } from "../format.js";

interface SimulateOptions {
  from?: string;
  to?: string;
  task?: string;
  json?: boolean;
}

export function registerSimulate(program: Command): void {
  program
    .command("simulate [config]")
    .description("every fire the daemon would make between --from and --to (its own scheduler, DST days included), skips marked")
    .requiredOption("--from <time>", "the window's start (ISO 8601), as if the daemon started then")
    .requiredOption("--to <time>", "the window's end (ISO 8601)")
    .option("--task <name>", "only this task or workflow")
    .option("--json", "print [{task, kind, at, timezone, skip, jitterMs}]")
    .action((file: string | undefined, options: SimulateOptions, command: Command) => {
      const config = loadConfigFile(configPath(command, file), { stateOverride: stateOverride(command), checkFiles: false });
      const from = parseTimeOption(options.from, Date.now());
      const to = parseTimeOption(options.to, Date.now());
      if (from === null) throw new UserError(`--from "${options.from}" is not a time: use ISO 8601, e.g. 2026-03-28T12:00:00Z`, 2);
      if (to === null) throw new UserError(`--to "${options.to}" is not a time: use ISO 8601, e.g. 2026-03-30T12:00:00Z`, 2);
      if (to < from) throw new UserError("--to is before --from", 2);
      const all = [...config.tasks, ...config.workflows];
      const jobs = options.task ? all.filter((job) => job.name === options.task) : all;
      if (options.task && jobs.length === 0) throw new UserError(`no task or workflow named "${options.task}"`);
      const { fires, truncated } = simulateFires(jobs, from, to);
      if (options.json) {
        process.stdout.write(JSON.stringify(fires, null, 2) + "\n");
      } else {
        const rows = fires.map((f) => [formatInZone(Date.parse(f.at), f.timezone), isoUtc(Date.parse(f.at)), f.task, f.skip ? `skipped: ${f.skip}` : f.jitterMs ? `+ up to ${f.jitterMs} ms jitter` : ""]);
        process.stdout.write((rows.length ? padTable(rows) : "no fires in that window") + "\n");
      }
      if (truncated) process.stderr.write(`orchestrate: stopped after ${MAX_SIMULATED_FIRES} fires; narrow the window or name a --task\n`);
    });
}
