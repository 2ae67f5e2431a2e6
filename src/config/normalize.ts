/**
 * The one way a task is made. The YAML loader, tasks built in code (TaskBuilder), one-off runs
 * (`orchestrate schedule`, the library's `schedule()`) and workflow steps all come through here:
 * one place for the schema, defaults, bounds and names, so a rule added here holds everywhere.
 */
import type { ReadContext } from "./context.js";
import { defaultMessage, keysAt, reportIssue, type ProblemSink } from "./issues.js";
import { parseLeniently, type Lenient } from "./lenient.js";
import { NO_LOCATOR, type Path, type Position } from "./locate.js";
import type { Action, TaskSpec } from "./model.js";
import { reservedTaskName, TASK_NAME, taskSchema, type RawTask } from "./schema.js";
import { taskFields } from "./task-fields.js";
import { readTask } from "./task.js";

/** A task from its own settings and the config's `defaults`, both as written (valid parts only). */
export function normalizeTask(name: string, own: Lenient<RawTask>, defaults: Lenient<RawTask> | null, ctx: ReadContext, action?: Action, at?: Path): TaskSpec {
  return readTask(taskFields(name, own, defaults, at), ctx, action);
}

export interface ValuesOptions {
  /** Where relative paths (cwd, scripts) start. */
  dir: string;
  /** The config's `defaults:`, when the task belongs to one. */
  defaults?: RawTask | null;
  /** Replaces the action the values would describe. */
  action?: Action;
  /** Whether `name` must be a user's task name (one-off runs are named by what they do). */
  checkName?: boolean;
  /** How a setting is called where the values come from (`kill_grace` is `killGrace` in code). */
  labels?: Record<string, string>;
}

/** Thrown for values given in code: every problem, in the words `orchestrate validate` uses. */
export class TaskValuesError extends Error {
  constructor(
    readonly task: string,
    readonly problems: string[],
  ) {
    super(`task ${task}: ${problems.join("; ")}`);
    this.name = "TaskValuesError";
  }
}

/**
 * A task from settings given in code rather than in a file, with the keys of `orchestration.yaml`
 * (`retry_delay: "10s"`). Checked against the same schema as the file; throws TaskValuesError.
 */
export function taskFromValues(name: string, values: Record<string, unknown>, options: ValuesOptions): TaskSpec {
  const problems = new MessageProblems(name, options.labels ?? {});
  if ((options.checkName ?? true) && !TASK_NAME.test(name)) {
    problems.messages.push(`the name must start with a letter or digit and hold only letters, digits, "_", "." and "-"`);
  } else if (options.checkName ?? true) {
    const reserved = reservedTaskName(name);
    if (reserved) problems.messages.push(reserved);
  }
  const ctx: ReadContext = { dir: options.dir, checkFiles: true, problems, locator: NO_LOCATOR };
  const parsed = taskSchema.safeParse(values, { reportInput: true, error: defaultMessage });
  if (!parsed.success) {
    const issueContext = { problems, locator: NO_LOCATOR, keysAt: (path: Path) => keysAt(taskSchema, path), topLevelKey: (key: string) => `unknown setting \`${key}\`` };
    for (const issue of parsed.error.issues) reportIssue({ ...issue, path: ["tasks", name, ...issue.path] }, issueContext);
  }
  const own = parseLeniently(taskSchema, values);
  const defaults = options.defaults ? { value: options.defaults, raw: options.defaults as Record<string, unknown> } : null;
  const spec = own ? normalizeTask(name, own, defaults, ctx, options.action) : null;
  if (problems.messages.length > 0 || !spec) throw new TaskValuesError(name, problems.messages);
  return spec;
}

/** Problems as plain messages, each naming the setting it is about (values given in code). */
export class MessageProblems implements ProblemSink {
  readonly messages: string[] = [];

  constructor(
    private readonly task: string,
    private readonly labels: Record<string, string>,
    /** Where the task is: the start of every path that is about it, left out of messages. */
    private readonly base: Path = ["tasks", task],
  ) {}

  at(path: Path, message: string, part: "key" | "value" = "value", about: Path = part === "key" ? path.slice(0, -1) : path): void {
    // Paths start at the config's root (tasks.NAME.…, or defaults.… for a default's value).
    const inTask = this.base.every((segment, i) => about[i] === segment) ? about.slice(this.base.length) : about;
    const where = inTask.map((segment, i) => (typeof segment === "number" ? `[${segment}]` : `${i > 0 ? "." : ""}${(Object.hasOwn(this.labels, segment) && this.labels[segment]) || segment}`)).join("");
    this.messages.push(where ? `${where}: ${message}` : message);
  }

  throwIfAny(): void {
    if (this.messages.length > 0) throw new TaskValuesError(this.task, this.messages);
  }

  report(_position: Position, message: string): void {
    this.messages.push(message);
  }
}
