/**
 * `orchestration.yaml` → OrchestrationConfig. Every problem in the file is reported at once, each
 * located (`FILE:LINE:COL: message`): YAML syntax, the schema, then the rules across fields.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isScalar, LineCounter, visit, YAMLParseError, type Document, type YAMLError } from "yaml";
import type { ReadContext } from "./context.js";
import { keysAt, ProblemCollector, reportIssue, type IssueContext } from "./issues.js";
import { isPlainMap, parseLeniently, type Lenient } from "./lenient.js";
import { YamlLocator } from "./locate.js";
import { DEFAULT_HISTORY, type HistorySpec, type OrchestrationConfig, type TaskSpec } from "./model.js";
import { ConfigError, sortProblems, type ConfigProblem } from "./problems.js";
import { configSchema, taskName, taskSchema, type RawHistory, type RawTask } from "./schema.js";
import { parseSize } from "./size.js";
import { closest } from "./suggest.js";
import { normalizeTask } from "./normalize.js";
import { readApi, readNotify } from "./notify.js";
import { readWorkflows } from "./workflow.js";
import { MAX_NESTING, parseYaml } from "./parse-yaml.js";
import { stateFileProblem } from "./state.js";

export interface LoadOptions {
  /** Default true: script files, params_from programs and cwd must exist. */
  checkFiles?: boolean;
  /** The tasks will run in this process: a `user:` it cannot switch to is a problem (default: checkFiles). */
  runsTasks?: boolean;
  /** Replaces the file's `state:` (the CLI's --state); a relative path resolves against the working directory. */
  stateOverride?: string;
  /** Replaces the file's `api: listen` (the CLI's `run --api HOST:PORT`). */
  apiOverride?: string;
}


/**
 * Problems name `file` as given (pass a relative path to get relative locations); relative paths
 * in the config resolve against its folder.
 */
export function parseConfigText(
  text: string,
  file: string,
  options: LoadOptions = {},
): { config: OrchestrationConfig | null; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const parsed = parseYaml(text, lineCounter);
  if (parsed.doc === null) {
    const { line, col } = lineCounter.linePos(parsed.tooDeepAt);
    const message = `maps and lists nested more than ${MAX_NESTING} levels deep: no orchestration.yaml needs that many`;
    return { config: null, problems: [{ file, line, col, message }] };
  }
  const doc = parsed.doc;
  const keys = checkKeys(doc);
  doc.errors.push(...keys.duplicates);
  const locator = new YamlLocator(doc, lineCounter);
  const problems = new ProblemCollector(file, locator);
  const done = (config: OrchestrationConfig | null) => {
    const sorted = sortProblems(problems.problems);
    return { config: sorted.length === 0 ? config : null, problems: sorted };
  };

  for (const error of doc.errors) problems.report(locator.offsetPosition(error.pos[0]), yamlMessage(error, locator));
  for (const offset of keys.prototypeAt) problems.report(locator.offsetPosition(offset), "`__proto__` cannot be a key: it means something else to JavaScript");
  // After a syntax error the structure is a guess, and problems found in it would be noise.
  if (doc.errors.some((error) => error.code !== "DUPLICATE_KEY")) return done(null);

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    problems.report({ line: 1, col: 1 }, `cannot read the YAML: ${(error as Error).message}`);
    return done(null);
  }

  // Everything but the tasks here; each task is checked once, as it is read (readTasks).
  const issueContext: IssueContext = { problems, locator, keysAt: (path) => keysAt(configSchema, path), topLevelKey };
  const rootData = isPlainMap(data) && isPlainMap(data.tasks) ? { ...data, tasks: {} } : data;
  const root = parseLeniently(configSchema, rootData, (issues) => issues.forEach((issue) => reportIssue(issue, issueContext)));

  const absoluteFile = resolve(file);
  const checkFiles = options.checkFiles ?? true;
  const ctx: ReadContext = { dir: dirname(absoluteFile), checkFiles, runsTasks: options.runsTasks ?? checkFiles, problems, locator };
  const defaults = isPlainMap(data) ? parseLeniently(taskSchema, data.defaults) : null;
  const state = resolveState(root?.value.state, ctx.dir, options.stateOverride);
  const tasks = readTasks(data, defaults, ctx, issueContext);
  const stateProblem = isKeptAsWritten(state) ? null : stateFileProblem(state);
  if (stateProblem && options.stateOverride) problems.report({ line: 1, col: 1 }, `--state ${stateProblem}`);
  else if (stateProblem) problems.at(["state"], stateProblem);
  return done({
    file: absoluteFile,
    dir: ctx.dir,
    state,
    tasks,
    workflows: readWorkflows(data, defaults, new Set(tasks.map((t) => t.name)), ctx),
    defaults: defaults?.value ?? null,
    history: readHistory(root?.value.history),
    notify: readNotify(root?.value.notify, ["notify"], ctx, "config"),
    api: readApi(root?.value.api, options.apiOverride),
  });
}

/** Reads the file and returns its config; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, options: LoadOptions = {}): OrchestrationConfig {
  return configFromText(readConfigText(file), file, options);
}

/** The file's text; one that cannot be read is a ConfigError at 1:1 saying why. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read ${file}: ${readFailure(error)}` }]);
  }
}

/** The configuration in `text` (read from `file`), or a ConfigError with every problem. */
export function configFromText(text: string, file: string, options: LoadOptions = {}): OrchestrationConfig {
  const { config, problems } = parseConfigText(text, file, options);
  if (!config) throw new ConfigError(problems);
  return config;
}

function readTasks(data: unknown, defaults: Lenient<RawTask> | null, ctx: ReadContext, issueContext: IssueContext): TaskSpec[] {
  if (!isPlainMap(data) || !isPlainMap(data.tasks)) return [];
  const rawTasks = data.tasks;
  // File order, not object order (which puts names like "1" first): validate and next list tasks as written.
  const names = ctx.locator.keysInOrder(["tasks"])?.filter((name) => Object.hasOwn(rawTasks, name)) ?? Object.keys(rawTasks);
  const tasks: TaskSpec[] = [];
  for (const name of names) {
    if (name === "__proto__") continue; // refused as a key already (prototypeKeys)
    const path = ["tasks", name];
    const nameCheck = taskName.safeParse(name);
    if (!nameCheck.success) ctx.problems.at(path, nameCheck.error.issues[0]!.message, "key");
    const own = parseLeniently(taskSchema, rawTasks[name], (issues) =>
      issues.forEach((issue) => reportIssue({ ...issue, path: [...path, ...issue.path] }, issueContext)),
    );
    if (own) tasks.push(normalizeTask(name, own, defaults, ctx));
  }
  return tasks;
}

function readHistory(history: RawHistory | undefined): HistorySpec {
  return {
    keepRuns: history?.keep_runs ?? DEFAULT_HISTORY.keepRuns,
    keepDays: history?.keep_days ?? DEFAULT_HISTORY.keepDays,
    outputLimitBytes: history?.output_limit === undefined ? DEFAULT_HISTORY.outputLimitBytes : parseSize(history.output_limit)!,
  };
}

const isKeptAsWritten = (state: string) => /^postgres(?:ql)?:\/\//i.test(state) || state === ":memory:";

function resolveState(written: string | undefined, dir: string, override: string | undefined): string {
  if (override) return isKeptAsWritten(override) ? override : resolve(process.cwd(), override);
  if (written === undefined) return resolve(dir, ".orchestrate/state.db");
  return isKeptAsWritten(written) ? written : resolve(dir, written);
}

function topLevelKey(key: string): string {
  if (key in taskSchema.shape) return `unknown key \`${key}\` at the top level: task settings go in a task, or under \`defaults\` for every task`;
  const suggestion = closest(key, Object.keys(configSchema.shape));
  return `unknown key \`${key}\` at the top level${suggestion ? `; did you mean \`${suggestion}\`?` : ""}`;
}

/**
 * Every key of the document, in one walk. yaml's own duplicate-key check (uniqueKeys) compares each
 * key with every key before it in its map: 50 million comparisons and half a second for 10,000
 * tasks. One Set per map finds the same duplicates in one pass: scalar keys equal by value, as yaml
 * compares them, reported at the later key with yaml's own error code.
 *
 * And `__proto__`: yaml keeps such a key as an own property, but every map it then passes through
 * (zod's records, spreads, plain assignment) would take it for the prototype: it is refused.
 */
function checkKeys(doc: Document): { duplicates: YAMLParseError[]; prototypeAt: number[] } {
  const duplicates: YAMLParseError[] = [];
  const prototypeAt: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (key.value === "__proto__" && key.range) prototypeAt.push(key.range[0]);
        if (!seen.has(key.value)) seen.add(key.value);
        else if (key.range) duplicates.push(new YAMLParseError([key.range[0], key.range[1]], "DUPLICATE_KEY", "Map keys must be unique"));
      }
    },
  });
  return { duplicates, prototypeAt };
}

function yamlMessage(error: YAMLError, locator: YamlLocator): string {
  if (error.code === "DUPLICATE_KEY") return `duplicate key \`${locator.keyAt(error.pos[0]) ?? "?"}\``;
  if (error.code === "MULTIPLE_DOCS") return "the file holds more than one YAML document (---); put everything in one";
  return `YAML syntax: ${error.message.split("\n")[0]}`;
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES") return "permission denied";
  return (error as Error).message;
}
