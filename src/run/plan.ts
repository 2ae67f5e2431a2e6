import type { HttpSpec, ParamList, StepFunction, TaskSpec } from "../config/model.js";
import type { Executor } from "./executor.js";
import { scriptTypeFor } from "./invocation.js";
import { loadParamSets } from "./params-from.js";

/** One thing a run will execute: a script with its parameters, the task's inline command, or its HTTP call. */
export type PlannedInvocation =
  | {
      kind: "script";
      path: string;
      target: string;
      params: ParamList;
      group: "scripts" | "repeat";
      /** Configured values may hold {{ templates }}; values a params_from program printed are data. */
      templated: boolean;
    }
  | { kind: "command"; command: string; target: string }
  | { kind: "http"; http: HttpSpec; target: string }
  | { kind: "function"; run: StepFunction; target: string };

/**
 * Expands a task's action into its invocations, in order: scripts first, then each repeat item
 * once per parameter set. `params_from` programs run here, at fire time, so they see today's data.
 */
export async function planInvocations(task: TaskSpec, env: Record<string, string>, executor: Executor): Promise<PlannedInvocation[]> {
  const action = task.action;
  switch (action.kind) {
    case "command":
      return [{ kind: "command", command: action.command, target: action.command }];
    case "http":
      return [{ kind: "http", http: action.http, target: `${action.http.method} ${action.http.url}` }];
    case "function":
      return [{ kind: "function", run: action.run, target: `function ${action.name}` }];
    case "scripts": {
      const planned: PlannedInvocation[] = action.scripts.map((script) => ({
        kind: "script",
        path: script.path,
        target: script.displayPath,
        params: script.params,
        group: "scripts",
        templated: script.templated,
      }));
      for (const repeat of action.repeat) {
        const sets =
          repeat.paramSets ??
          (await loadParamSets(executor, {
            program: repeat.paramsFrom!,
            type: scriptTypeFor(repeat.paramsFrom!, task.type),
            cwd: task.cwd,
            env,
            account: task.account,
            timeoutMs: task.timeoutMs ?? 60_000,
          }));
        for (const params of sets) {
          planned.push({ kind: "script", path: repeat.path, target: repeat.displayPath, params, group: "repeat", templated: repeat.paramsFrom === null });
        }
      }
      return planned;
    }
  }
}
