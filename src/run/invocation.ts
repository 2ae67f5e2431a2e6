/**
 * How a script is started (SPEC §4): `INTERPRETER PATH --key value ...`, with no shell anywhere,
 * so nothing in a parameter value is ever interpreted; and what it finds in its environment.
 */
import { delimiter, extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { ParamList, ScriptType } from "../config/model.js";

export interface Invocation {
  command: string;
  args: string[];
  /** Started instead when `command` cannot be started at all (see commandInvocation). */
  fallback?: { command: string; args: string[] };
}

export function interpreterFor(type: ScriptType, scriptPath: string): Invocation {
  switch (type) {
    case "bash":
      return { command: "bash", args: [scriptPath] };
    case "sh":
      return { command: "sh", args: [scriptPath] };
    case "python":
      return { command: "python3", args: [scriptPath] };
    case "node":
      // The daemon's own node: always there and the version the user installed us with.
      return { command: process.execPath, args: [scriptPath] };
  }
}

/**
 * The task's inline `command:` line: the one place a shell is used, on the user's own text. A
 * line that is only a program and plain words (no quotes, variables, globs, redirections,
 * operators, assignments, builtins) means the same to bash as to exec, so it is executed directly,
 * as systemd's ExecStart would, saving a shell's start on every fire. When such a program cannot
 * be started (not found, not executable, no #! line), bash runs the line after all, so the outcome
 * is exactly bash's (exit 127, "command not found").
 */
export function commandInvocation(command: string, withParams = false): Invocation {
  const shell = { command: "bash", args: ["-c", command] };
  // Parameters after `bash -c LINE` are the line's $0, $1...: only bash can give them that meaning.
  if (withParams) return shell;
  const words = plainWords(command);
  if (words === null) return shell;
  return { command: words[0]!, args: words.slice(1), fallback: shell };
}

/** Characters with no meaning to bash in a word. Anything else (quotes, $, *, ~, #, ;, &, |, <, >, (, {, \, !) needs the shell. */
const PLAIN_LINE = /^[A-Za-z0-9_./,:=@%+ \t-]+$/;

/** Builtins and keywords: what bash does itself rather than exec (and `true`, `echo`, `test`... whose builtins differ in small ways). */
const SHELL_WORDS = new Set(
  (
    "! [[ ]] { } case do done elif else esac fi for function if in select then time until while " +
    ". : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo enable " +
    "eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd " +
    "read readarray readonly return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait"
  ).split(" "),
);

/** The words of a line that needs no shell, or null. */
function plainWords(line: string): string[] | null {
  if (!PLAIN_LINE.test(line)) return null;
  const words = line.split(/[ \t]+/).filter((word) => word !== "");
  const program = words[0];
  // `NAME=value cmd` sets a variable for cmd: bash's job.
  if (program === undefined || SHELL_WORDS.has(program) || program.includes("=")) return null;
  return words;
}

/** `--key value` pairs in the order written; each value is exactly one argv element. */
export function paramsToArgv(params: ParamList): string[] {
  return params.flatMap(([key, value]) => [`--${key}`, value]);
}

export interface InvocationEnvOptions {
  /** The task's environment (environment.ts): the daemon's, the account's, env_file, env. */
  taskEnv: Record<string, string>;
  task: string;
  runId: number;
  scheduledAt: Date;
  /** 1-based. */
  attempt: number;
  params: ParamList;
  outputFile?: string;
  /** Added last: step inputs, the API URL and token. */
  extra?: Record<string, string>;
}

/**
 * The daemon's environment, then the task's `env`, then the ORCHESTRATE_* variables: those come
 * after the task's so a script can rely on them, whatever the configuration sets.
 */
export function invocationEnv(o: InvocationEnvOptions): Record<string, string> {
  const env = { ...o.taskEnv };
  env.ORCHESTRATE_TASK = o.task;
  env.ORCHESTRATE_RUN_ID = String(o.runId);
  env.ORCHESTRATE_SCHEDULED_AT = o.scheduledAt.toISOString();
  env.ORCHESTRATE_ATTEMPT = String(o.attempt);
  for (const [key, value] of o.params) env[paramEnvName(key)] = value;
  if (o.outputFile !== undefined) env.ORCHESTRATE_OUTPUT = o.outputFile;
  return Object.assign(env, o.extra);
}

/** `ORCHESTRATE_PARAM_<KEY>`: upper-cased, anything but A-Z and 0-9 as `_` (`out-dir` → `OUT_DIR`). */
export function paramEnvName(key: string): string {
  return `ORCHESTRATE_PARAM_${key.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The interpreter a program's name asks for (`.py` python, `.js`/`.mjs`/`.cjs` node, `.sh` bash),
 * else `fallback`: for `params_from` programs and `orchestrate schedule --script`.
 */
export function scriptTypeFor(path: string, fallback: ScriptType = "bash"): ScriptType {
  switch (extname(path)) {
    case ".py":
      return "python";
    case ".js":
    case ".mjs":
    case ".cjs":
      return "node";
    case ".sh":
      return "bash";
    default:
      return fallback;
  }
}

/** Where `python/orchestrate.py` (report() and @run()) is shipped, for PYTHONPATH. */
export const PYTHON_SDK_DIR = fileURLToPath(new URL("../../python", import.meta.url));

/**
 * A python script finds orchestrate's module on PYTHONPATH, appended: a module of the user's own
 * named `orchestrate` comes first and wins.
 */
export function withPythonSdk(env: Record<string, string>): Record<string, string> {
  const current = env.PYTHONPATH;
  return { ...env, PYTHONPATH: current ? `${current}${delimiter}${PYTHON_SDK_DIR}` : PYTHON_SDK_DIR };
}
