/**
 * Passing values between steps (SPEC §4): a step writes `key=value` lines to the file named by
 * $ORCHESTRATE_OUTPUT; the steps after it see them as ORCHESTRATE_INPUT_<STEP>_<KEY> and as
 * `{{ steps.STEP.KEY }}`.
 */
import { readFile } from "node:fs/promises";

/** More than this in an output file is not a handful of values but a mistake; the rest is ignored. */
export const MAX_OUTPUT_FILE_BYTES = 64 * 1024;
const LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export interface ParsedOutputs {
  outputs: Record<string, string>;
  /** Lines that are not `key=value`, for a warning. */
  ignored: string[];
}

/** `key=value` lines; blank lines and `#` comments are skipped; a later key wins. */
export function parseOutputs(text: string): ParsedOutputs {
  const outputs: Record<string, string> = Object.create(null);
  const ignored: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (match) outputs[match[1]!] = match[2]!;
    else ignored.push(line);
  }
  return { outputs, ignored };
}

/** The outputs a step left in its file; none when it wrote none. */
export async function readOutputFile(path: string): Promise<ParsedOutputs> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return { outputs: Object.create(null), ignored: [] };
  }
  const text = bytes.subarray(0, MAX_OUTPUT_FILE_BYTES).toString("utf8");
  const parsed = parseOutputs(text);
  if (bytes.length > MAX_OUTPUT_FILE_BYTES) parsed.ignored.push(`(${bytes.length - MAX_OUTPUT_FILE_BYTES} bytes past the first ${MAX_OUTPUT_FILE_BYTES})`);
  return parsed;
}

/** `ORCHESTRATE_INPUT_<STEP>_<KEY>`: upper-cased, anything but A-Z and 0-9 as `_`. */
export function inputEnvName(step: string, key: string): string {
  const part = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return `ORCHESTRATE_INPUT_${part(step)}_${part(key)}`;
}

/** The environment that carries the outputs of the steps before one. */
export function inputEnvironment(outputs: Record<string, Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [step, values] of Object.entries(outputs)) {
    for (const [key, value] of Object.entries(values)) env[inputEnvName(step, key)] = value;
  }
  return env;
}
