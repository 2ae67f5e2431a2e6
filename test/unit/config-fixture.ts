/** A throwaway project folder with a few scripts, and a way to load YAML written inline in a test. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseConfigText, type LoadOptions } from "../../src/config/load.js";
import { formatProblem } from "../../src/config/problems.js";

export const SCRIPTS = ["scripts/report.py", "scripts/sync.sh", "scripts/list_buckets.py", "etl/extract.py", "etl/transform.py", "etl/load.py", ".env"];

export function projectDir(files: string[] = SCRIPTS): string {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-config-"));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), "");
  }
  return dir;
}

/** Strips the indentation the test source adds, so line 1 is the first line of the YAML. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, "");
  const indent = Math.min(...text.split("\n").filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
  return text
    .split("\n")
    .map((line) => line.slice(indent))
    .join("\n");
}

const sharedDir = projectDir();

export function load(text: string, options: LoadOptions = {}, dir: string = sharedDir) {
  return parseConfigText(text, join(dir, "orchestration.yaml"), options);
}

/** `LINE:COL: message` for each problem, the file name left out. */
export function problemsIn(text: string, options: LoadOptions = {}): string[] {
  return load(text, options).problems.map((p) => formatProblem(p).slice(p.file.length + 1));
}

/** The config, failing the test with every problem when there are any. */
export function configOf(text: string, options: LoadOptions = {}, dir?: string) {
  const { config, problems } = load(text, options, dir);
  if (!config) throw new Error(`expected a valid config, got:\n${problems.map(formatProblem).join("\n")}`);
  return config;
}

export function taskOf(text: string, name?: string) {
  const config = configOf(text);
  const task = name ? config.tasks.find((t) => t.name === name) : config.tasks[0];
  if (!task) throw new Error(`no task ${name ?? ""}`);
  return task;
}
