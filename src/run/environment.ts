/**
 * The environment every process of a task starts with (scripts, skip commands, params_from
 * programs): the daemon's own, then the task's `env` over it. Invocations add their ORCHESTRATE_*
 * variables on top (invocation.ts).
 */
export function taskEnvironment(base: Record<string, string | undefined>, taskEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return Object.assign(env, taskEnv);
}
