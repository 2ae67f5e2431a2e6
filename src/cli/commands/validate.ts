import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.js";
import { isWorkflow, type OrchestrationConfig, type TaskSpec, type WorkflowSpec } from "../../config/model.js";
import { ConfigError } from "../../config/problems.js";
import { canRunAs, currentAccount } from "../../config/account.js";
import type { Account } from "../../config/model.js";
import { cronWarnings } from "../../schedule/cron.js";
import { describeTrigger } from "../../schedule/describe.js";
import { nextFireAfter } from "../../schedule/trigger.js";
import { configPath, pausedTasks, stateOverride } from "../context.js";
import { formatInZone, isoUtc, padTable } from "../format.js";

/** `every`, `delay` and @reboot count from the daemon's start, not from now. */
const FROM_START: Record<string, string> = { every: "first fire when the daemon starts", reboot: "when the daemon starts", delay: "after the daemon starts" };

export function registerValidate(program: Command): void {
  program
    .command("validate [config]")
    .description("check the configuration; print each task and workflow, its schedule in words and its next fire")
    .option("--json", "print {valid, file, tasks: [{name, schedule, next}], workflows: [{name, schedule, next, steps}], warnings} or {valid, file, problems}")
    .action(async (file: string | undefined, options: { json?: boolean }, command: Command) => {
      const path = configPath(command, file);
      let config: OrchestrationConfig;
      try {
        // Whether this process could switch to a task's user: is a warning here; `run` refuses.
        config = loadConfigFile(path, { stateOverride: stateOverride(command), runsTasks: false });
      } catch (error) {
        if (!(options.json && error instanceof ConfigError)) throw error;
        process.stdout.write(JSON.stringify({ valid: false, file: path, problems: error.problems }, null, 2) + "\n");
        process.exitCode = 1;
        return;
      }
      const now = Date.now();
      const paused = await pausedTasks(config.state);
      const jobs = [...config.tasks, ...config.workflows].map((task) => ({ task, next: nextFire(task, now) }));
      const warnings = jobs.flatMap(({ task }) => [
        ...(task.trigger?.kind === "cron" ? cronWarnings(task.trigger.expression).map((message) => ({ task: task.name, message })) : []),
        ...accountsOf(task)
          .filter((account) => !canRunAs(account))
          .map((account) => ({ task: task.name, message: `runs as ${account.user}: only orchestrate running as root can do that, and this is ${currentAccount()}` })),
      ]);
      if (options.json) {
        const listed = (wanted: Array<{ task: TaskSpec | WorkflowSpec; next: number | null }>) =>
          wanted.map(({ task, next }) => ({
            name: task.name,
            schedule: describeTrigger(task.trigger, task.timezone, task.name),
            next: next === null ? null : new Date(next).toISOString(),
            paused: paused.has(task.name),
            ...(isWorkflow(task) && { steps: task.steps.map((s) => ({ name: s.name, dependsOn: s.dependsOn })) }),
          }));
        const tasks = listed(jobs.filter(({ task }) => !isWorkflow(task)));
        const workflows = listed(jobs.filter(({ task }) => isWorkflow(task)));
        process.stdout.write(JSON.stringify({ valid: true, file: path, tasks, workflows, warnings }, null, 2) + "\n");
        return;
      }
      const rows = jobs.map(({ task, next }) => {
        const kind = task.trigger?.kind;
        const when = kind && kind in FROM_START ? FROM_START[kind]! : next === null ? "-" : `next ${formatInZone(next, task.timezone)} (${isoUtc(next)})`;
        const name = `${isWorkflow(task) ? `${task.name} (workflow: ${task.steps.map((s) => s.name).join(", ")})` : task.name}${paused.has(task.name) ? " [paused]" : ""}`;
        return [name, describeTrigger(task.trigger, task.timezone, task.name), when];
      });
      const workflows = config.workflows.length ? `, ${config.workflows.length} workflow(s)` : "";
      process.stdout.write(`${path}: valid, ${config.tasks.length} task(s)${workflows}\n`);
      if (rows.length > 0) process.stdout.write(padTable(rows).replace(/^/gm, "  ") + "\n");
      for (const warning of warnings) process.stdout.write(`warning: task ${warning.task}: ${warning.message}\n`);
    });
}

function nextFire(task: TaskSpec | WorkflowSpec, now: number): number | null {
  if (!task.trigger || task.trigger.kind in FROM_START) return null;
  return nextFireAfter(task.trigger, task.timezone, now, now);
}

/** The accounts a task's or workflow's processes run as (`user:`), each once. */
function accountsOf(job: TaskSpec | WorkflowSpec): Account[] {
  const all = isWorkflow(job) ? job.steps.flatMap((s) => [s.task.account, s.rollback?.account ?? null]) : [job.account];
  const byUser = new Map(all.filter((a): a is Account => a !== null).map((a) => [`${a.uid}:${a.gid}`, a]));
  return [...byUser.values()];
}
