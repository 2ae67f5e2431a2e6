/**
 * `orchestrate run --dry-run`: what a fire would run, exactly as it would be started, without
 * starting anything. params_from programs are not run either, so their sets are not known.
 */
import { isWorkflow, type TaskSpec, type WorkflowSpec } from "../config/model.js";
import { renderTemplate } from "../config/templates.js";
import { taskEnvironmentLenient } from "../run/environment.js";
import { commandInvocation, interpreterFor, paramsToArgv } from "../run/invocation.js";

export function describePlannedRun(job: TaskSpec | WorkflowSpec, scheduledAt: Date, baseEnv: Record<string, string | undefined>): string[] {
  if (!isWorkflow(job)) return describeAction(job, scheduledAt, baseEnv);
  // A workflow's steps in the order written, each with what it waits for.
  return job.steps.flatMap((step) => {
    const after = step.dependsOn.length > 0 ? ` (after ${step.dependsOn.join(", ")})` : "";
    return describeAction(step.task, scheduledAt, baseEnv).map((line) => `step ${step.name}${after}: ${line}`);
  });
}

function describeAction(task: TaskSpec, scheduledAt: Date, baseEnv: Record<string, string | undefined>): string[] {
  const action = task.action;
  switch (action.kind) {
    case "http":
      return [`would call ${action.http.method} ${action.http.url}`];
    case "command":
      return [`would run ${argvText(commandInvocation(action.command))}`];
    case "function":
      return [`would call function ${action.name}`];
    case "scripts": {
      const env = taskEnvironmentLenient(baseEnv, task);
      const context = { task: task.name, runId: 0, attempt: 1, scheduledAt, timezone: task.timezone, env };
      const lines = action.scripts.map((script) => {
        const params = script.templated ? script.params.map(([k, v]) => [k, renderTemplate(v, context)] as [string, string]) : script.params;
        const base = interpreterFor(task.type, script.path);
        return `would run ${argvText({ command: base.command, args: [...base.args, ...paramsToArgv(params)] })}`;
      });
      for (const repeat of action.repeat) {
        const base = interpreterFor(task.type, repeat.path);
        if (repeat.paramSets === null) {
          lines.push(`would run params_from ${repeat.paramsFrom}, then ${argvText(base)} once per parameter set it prints`);
          continue;
        }
        for (const set of repeat.paramSets) {
          const params = set.map(([k, v]) => [k, renderTemplate(v, context)] as [string, string]);
          lines.push(`would run ${argvText({ command: base.command, args: [...base.args, ...paramsToArgv(params)] })}`);
        }
      }
      return lines;
    }
  }
}

/** An argv as a person would type it, each element quoted only when it needs to be. */
function argvText(invocation: { command: string; args: string[] }): string {
  return [invocation.command, ...invocation.args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}
