import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.js";
import { skippedAhead } from "../../run/skip.js";
import { upcomingFires } from "../../schedule/trigger.js";
import { configPath, pausedTasks, stateOverride, UserError } from "../context.js";
import { formatInZone, isoUtc, padTable, parseTimeOption } from "../format.js";
import { positiveInt } from "./options.js";

interface NextOptions {
  n: number;
  task?: string;
  from?: string;
  json?: boolean;
}

export function registerNext(program: Command): void {
  program
    .command("next [config]")
    .description("the next fire times of each task, in its timezone and in UTC")
    .option("-n <count>", "how many fires per task", positiveInt, 5)
    .option("--task <name>", "only this task")
    .option("--from <time>", "count from this time (ISO 8601) instead of now")
    .option("--json", "print [{task, at}] with at in ISO 8601 UTC")
    .action(async (file: string | undefined, options: NextOptions, command: Command) => {
      const config = loadConfigFile(configPath(command, file), { stateOverride: stateOverride(command) });
      const from = parseTimeOption(options.from, Date.now());
      if (from === null) throw new UserError(`--from "${options.from}" is not a time: use ISO 8601, e.g. 2026-03-28T12:00:00Z`, 2);
      const jobs = [...config.tasks, ...config.workflows];
      const tasks = options.task ? jobs.filter((t) => t.name === options.task) : jobs;
      if (options.task && tasks.length === 0) throw new UserError(`no task or workflow named "${options.task}"`);
      // Fires the task's weekday and date rules will skip are listed, marked with the reason.
      const fires = tasks.flatMap((task) =>
        task.trigger
          ? upcomingFires(task.trigger, task.timezone, from, options.n, from).map((at) => ({ task, at, skip: skippedAhead(task.skip, new Date(at), task.timezone) }))
          : [],
      );
      if (options.json) {
        const listed = fires.map((f) => ({ task: f.task.name, at: new Date(f.at).toISOString(), ...(f.skip && { skip: f.skip }) }));
        process.stdout.write(JSON.stringify(listed, null, 2) + "\n");
        return;
      }
      const paused = await pausedTasks(config.state);
      const rows = fires.map((f) => {
        const mark = paused.has(f.task.name) ? " [paused: skipped]" : f.skip ? ` [skipped: ${f.skip}]` : "";
        return [`${f.task.name}${mark}`, formatInZone(f.at, f.task.timezone), isoUtc(f.at)];
      });
      process.stdout.write((rows.length ? padTable(rows) : "no scheduled fires") + "\n");
    });
}
