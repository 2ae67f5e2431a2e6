/**
 * `repeat: params_from:` (SPEC §3): a program whose stdout is a JSON array of parameter sets,
 * run at fire time so the sets reflect today's data (the buckets that exist now).
 */
import { isAbsolute, relative } from "node:path";
import type { ParamList, ScriptType } from "../config/model.js";
import { describeFailure } from "./describe-failure.js";
import { interpreterFor } from "./invocation.js";
import { OutputTail } from "./output-tail.js";
import type { Executor } from "./executor.js";

/** More than this on stdout is not a parameter list but a bug; we stop keeping it. */
export const PARAMS_FROM_MAX_STDOUT_BYTES = 16 * 1024 * 1024;
const STDERR_TAIL_BYTES = 2048;
const KILL_GRACE_MS = 5_000;

export interface LoadParamSetsOptions {
  /** Absolute path of the program. */
  program: string;
  type: ScriptType;
  cwd: string;
  env: Record<string, string>;
  account?: { uid: number; gid: number } | null;
  timeoutMs: number;
  /** How errors name the program; default: its path relative to cwd. */
  displayPath?: string;
}

export async function loadParamSets(executor: Executor, o: LoadParamSetsOptions): Promise<ParamList[]> {
  const name = `params_from ${o.displayPath ?? displayPath(o.program, o.cwd)}`;
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  const stderr = new OutputTail(STDERR_TAIL_BYTES);
  const { command, args } = interpreterFor(o.type, o.program);
  const outcome = await executor.start({
    command,
    args,
    cwd: o.cwd,
    env: o.env,
    account: o.account,
    timeoutMs: o.timeoutMs,
    killGraceMs: KILL_GRACE_MS,
    outputLimitBytes: 0,
    // Raw bytes, not lines: a JSON array printed on one line may be longer than a line piece.
    onChunk: (stream, chunk) => {
      if (stream !== "stdout") return;
      stdoutBytes += chunk.length;
      if (stdoutBytes <= PARAMS_FROM_MAX_STDOUT_BYTES) stdout.push(chunk);
    },
    onLine: (stream, line) => {
      if (stream === "stderr") stderr.push(line);
    },
  }).done;

  const failure = describeFailure(outcome, o.timeoutMs);
  if (failure !== null) {
    const detail = stderr.text().trim();
    throw new Error(`${name} ${failure}${detail ? `: ${detail}` : ""}`);
  }
  if (stdoutBytes > PARAMS_FROM_MAX_STDOUT_BYTES) {
    throw new Error(`${name} printed ${stdoutBytes} bytes, more than the ${PARAMS_FROM_MAX_STDOUT_BYTES} a parameter list may have`);
  }
  return parseParamSets(Buffer.concat(stdout).toString("utf8"), name);
}

/**
 * A JSON array of flat objects; string, number and boolean values become the strings a script
 * receives. Anything else is refused rather than guessed at (what would `null` or a nested
 * object be on a command line?).
 */
export function parseParamSets(text: string, name: string): ParamList[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = text.trim() === "" ? "nothing" : `invalid JSON: ${(error as Error).message}`;
    throw new Error(`${name} printed ${message}; expected a JSON array of parameter sets like [{"bucket": "a"}]`);
  }
  if (!Array.isArray(parsed)) {
    throw new Error(`${name} printed ${kindOf(parsed)}; expected a JSON array of parameter sets like [{"bucket": "a"}]`);
  }
  return parsed.map((item: unknown, index) => {
    if (kindOf(item) !== "an object") {
      throw new Error(`${name}: item ${index} is ${kindOf(item)}; each parameter set must be an object like {"bucket": "a"}`);
    }
    return Object.entries(item as Record<string, unknown>).map(([key, value]): [string, string] => {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return [key, String(value)];
      throw new Error(`${name}: item ${index} key "${key}" is ${kindOf(value)}; values must be strings, numbers or booleans`);
    });
  });
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function displayPath(program: string, cwd: string): string {
  const inside = relative(cwd, program);
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : program;
}
