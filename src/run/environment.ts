import { readFileSync } from "node:fs";
import { parse } from "dotenv";
import type { Account } from "../config/model.js";

/** What of a task makes its environment. */
export interface TaskEnvSource {
  env: Record<string, string>;
  envFile: string | null;
  account: Account | null;
}

/** An `env_file:` that could not be read when a run started: the run fails with this message. */
export class EnvFileError extends Error {}

/**
 * The environment every process of a task starts with (scripts, skip commands, params_from
 * programs): the daemon's own; as another account, that account's HOME, USER, LOGNAME and SHELL
 * (as cron sets them); then the `env_file:` (read now, so an edit counts from the next run, like
 * systemd's EnvironmentFile=); then the task's `env`, which wins. Invocations add their
 * ORCHESTRATE_* variables on top (invocation.ts). Throws EnvFileError when the file cannot be read.
 */
export function taskEnvironment(base: Record<string, string | undefined>, task: TaskEnvSource): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  if (task.account) {
    const { user, home, shell } = task.account;
    Object.assign(env, { HOME: home, USER: user, LOGNAME: user, SHELL: shell });
  }
  if (task.envFile) Object.assign(env, readEnvFile(task.envFile));
  return Object.assign(env, task.env);
}

/** As taskEnvironment, without an env file it cannot read: for judging skip conditions (the run itself reports the file). */
export function taskEnvironmentLenient(base: Record<string, string | undefined>, task: TaskEnvSource): Record<string, string> {
  try {
    return taskEnvironment(base, task);
  } catch (error) {
    if (!(error instanceof EnvFileError)) throw error;
    return taskEnvironment(base, { ...task, envFile: null });
  }
}

/** dotenv lines: KEY=value, `export KEY=value`, quotes, # comments; no variable expansion, like systemd. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a folder" : (error as Error).message;
    throw new EnvFileError(`env_file ${file}: ${why}`);
  }
  const values = parse(text);
  for (const [key, value] of Object.entries(values)) {
    // No process can receive a NUL in its environment; refuse it here with the file's name.
    if (key.includes("\0") || value.includes("\0")) throw new EnvFileError(`env_file ${file}: ${key.replace(/\0/g, "\\0")} holds a NUL character`);
  }
  return values;
}
