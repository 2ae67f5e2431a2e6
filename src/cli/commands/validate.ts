import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.js";
import { isWorkflow } from "../../config/model.js";
import { cronWarnings } from "../../schedule/cron.js";
import { describeTrigger } from "../../schedule/describe.js";
import { nextFireAfter } from "../../schedule/trigger.js";
import { configPath, stateOverride } from "../context.js";
import { formatInZone, isoUtc, padTable } from "../format.js";

export function registerValidate(program: Command): void {
  program
    .command("validate [config]")
    .description("check the configuration; print each task, its schedule in words and its next fire")
    .action((file: string | undefined, _options: unknown, command: Command) => {
      const path = configPath(command, file);
      const config = loadConfigFile(path, { stateOverride: stateOverride(command) });
      const now = Date.now();
      const jobs = [...config.tasks, ...config.workflows];
      const rows = jobs.map((task) => {
        // `every`, `delay` and @reboot count from the daemon's start, not from now.
        const fromStart = { every: "first fire when the daemon starts", reboot: "when the daemon starts", delay: "after the daemon starts" };
        const kind = task.trigger?.kind;
        const next = task.trigger && !(kind! in fromStart) ? nextFireAfter(task.trigger, task.timezone, now, now) : null;
        const when =
          kind && kind in fromStart ? fromStart[kind as keyof typeof fromStart] : next === null ? "-" : `next ${formatInZone(next, task.timezone)} (${isoUtc(next)})`;
        const name = isWorkflow(task) ? `${task.name} (workflow: ${task.steps.map((s) => s.name).join(", ")})` : task.name;
        return [name, describeTrigger(task.trigger, task.timezone, task.name), when];
      });
      const workflows = config.workflows.length ? `, ${config.workflows.length} workflow(s)` : "";
      process.stdout.write(`${path}: valid, ${config.tasks.length} task(s)${workflows}\n`);
      if (rows.length > 0) process.stdout.write(padTable(rows).replace(/^/gm, "  ") + "\n");
      for (const task of jobs) {
        if (task.trigger?.kind !== "cron") continue;
        for (const warning of cronWarnings(task.trigger.expression)) {
          process.stdout.write(`warning: task ${task.name}: ${warning}\n`);
        }
      }
    });
}
