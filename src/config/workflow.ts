/**
 * `workflows:` (SPEC §3): each a DAG of steps with a trigger of its own. A step is a task without a
 * trigger, made by the same normaliser as every task (so `defaults:` apply to it), plus the steps
 * it depends on and a rollback. Dependencies are checked here: unknown names, a step depending on
 * itself, and cycles, each at the place it is written.
 */
import type { ReadContext } from "./context.js";
import { defaultMessage, keysAt, reportIssue } from "./issues.js";
import { isPlainMap, parseLeniently, type Lenient } from "./lenient.js";
import { NO_LOCATOR, type Path } from "./locate.js";
import type { Action, StepSpec, TaskSpec, WorkflowSpec } from "./model.js";
import { MessageProblems, normalizeTask } from "./normalize.js";
import { rollbackSchema, stepSchema, TASK_NAME, workflowSchema, type RawStep, type RawTask, type RawWorkflow } from "./schema.js";
import { closest } from "./suggest.js";
import { taskFields } from "./task-fields.js";
import { readTask } from "./task.js";
import { findCycle, upstreamOf } from "./workflow-graph.js";

/** What of `defaults:` applies where: a workflow takes the trigger-side settings, its steps the rest. */
const WORKFLOW_KEYS = ["description", "timezone", "concurrency", "catch_up", "catch_up_window", "jitter", "deadline", "notify", "nodes"] as const;
const ACTION_KEYS = ["scripts", "repeat", "command", "http"] as const;

export function readWorkflows(data: unknown, defaults: Lenient<RawTask> | null, taskNames: ReadonlySet<string>, ctx: ReadContext): WorkflowSpec[] {
  if (!isPlainMap(data) || !isPlainMap(data.workflows)) return [];
  const raw = data.workflows;
  const names = ctx.locator.keysInOrder(["workflows"])?.filter((name) => name in raw) ?? Object.keys(raw);
  const workflows: WorkflowSpec[] = [];
  for (const name of names) {
    if (taskNames.has(name)) {
      ctx.problems.at(["workflows", name], `a task is named \`${name}\` too: tasks and workflows share one namespace, rename one`, "key");
    }
    const own = parseLeniently(workflowSchema, raw[name]);
    if (own) workflows.push(readWorkflow(name, own, defaults, ctx));
  }
  return workflows;
}

function readWorkflow(name: string, own: Lenient<RawWorkflow>, defaults: Lenient<RawTask> | null, ctx: ReadContext): WorkflowSpec {
  const at: Path = ["workflows", name];
  // The workflow's own settings read as a task's would be (its trigger, timezone, concurrency…).
  const fields = taskFields(name, own as unknown as Lenient<RawTask>, only(defaults, WORKFLOW_KEYS), at);
  const header = readTask(fields, ctx, { kind: "command", command: "" });
  if (own.raw.steps === undefined) ctx.problems.at(at, "missing `steps`: a workflow needs at least one step");
  // Each step on its own: a mistake in one must not hide the problems of the others.
  const rawSteps = isPlainMap(own.raw.steps) ? own.raw.steps : {};
  const stepNames = ctx.locator.keysInOrder([...at, "steps"])?.filter((step) => step in rawSteps) ?? Object.keys(rawSteps);
  const parsed = stepNames.flatMap((step) => {
    const stepOwn = parseLeniently(stepSchema, rawSteps[step]);
    return stepOwn ? [{ name: step, own: stepOwn, dependsOn: stepOwn.value.depends_on ?? [] }] : [];
  });
  checkDependencies(parsed, at, ctx);

  const upstream = upstreamOf(parsed);
  const stepDefaults = without(defaults, ["cron", "every", "at", "delay", ...WORKFLOW_KEYS]);
  const steps = parsed.map(({ name: step, own: stepOwn, dependsOn }) =>
    readStep(name, step, stepOwn, dependsOn, stepDefaults, header.timezone, upstream.get(step)!, [...at, "steps", step], ctx),
  );
  return {
    name,
    description: header.description,
    trigger: header.trigger,
    timezone: header.timezone,
    skip: [],
    killGraceMs: Math.max(header.killGraceMs, ...steps.map((s) => s.task.killGraceMs)),
    concurrency: header.concurrency,
    catchUp: header.catchUp,
    catchUpWindowMs: header.catchUpWindowMs,
    jitterMs: header.jitterMs,
    deadlineMs: header.deadlineMs,
    env: {},
    envFile: null,
    account: null,
    cwd: ctx.dir,
    notify: header.notify,
    nodes: header.nodes,
    maxParallel: own.value.max_parallel ?? null,
    steps,
  };
}

/**
 * One step, and its rollback, as tasks. Templates may name the outputs of the steps upstream of it
 * (and a rollback, its own step's too). Its schedule-side settings come from the workflow.
 */
export function readStep(
  workflow: string,
  step: string,
  own: Lenient<RawStep>,
  dependsOn: readonly string[],
  defaults: Lenient<RawTask> | null,
  timezone: string,
  upstream: ReadonlySet<string>,
  at: Path,
  ctx: ReadContext,
  actions: { step?: Action; rollback?: Action } = {},
): StepSpec {
  const { depends_on: _dependsOn, rollback: rawRollback, ...taskValues } = own.value;
  const task = normalizeTask(`${workflow}.${step}`, { value: taskValues as RawTask, raw: own.raw }, defaults, { ...ctx, stepsInScope: upstream }, actions.step, at);
  let rollback: TaskSpec | null = null;
  if (rawRollback !== undefined || actions.rollback) {
    const rollbackOwn = parseLeniently(rollbackSchema, own.raw.rollback) ?? { value: rawRollback ?? {}, raw: {} };
    const scope = new Set([...upstream, step]);
    rollback = normalizeTask(`${workflow}.${step}.rollback`, rollbackOwn as Lenient<RawTask>, without(defaults, ACTION_KEYS), { ...ctx, stepsInScope: scope }, actions.rollback, [...at, "rollback"]);
    rollback.timezone = timezone;
  }
  task.timezone = timezone;
  return { name: step, task, dependsOn: [...dependsOn], rollback };
}

/** Unknown steps, a step depending on itself, and cycles, each at the `depends_on` entry that makes it. */
export function checkDependencies(graph: ReadonlyArray<{ name: string; dependsOn: readonly string[] }>, at: Path, ctx: ReadContext): void {
  const names = graph.map((s) => s.name);
  for (const { name, dependsOn } of graph) {
    dependsOn.forEach((dep, i) => {
      const where = [...at, "steps", name, "depends_on", i];
      if (dep === name) ctx.problems.at(where, `step \`${name}\` depends on itself: remove it from its own depends_on`);
      else if (!names.includes(dep)) {
        const suggestion = closest(dep, names.filter((n) => n !== name));
        ctx.problems.at(where, `unknown step \`${dep}\`${suggestion ? `; did you mean \`${suggestion}\`?` : `: the steps are ${names.join(", ")}`}`);
      }
    });
  }
  const cycle = findCycle(graph.map((s) => ({ name: s.name, dependsOn: s.dependsOn.filter((d) => d !== s.name) })));
  if (cycle) {
    // At the dependency that closes the loop: the last step depends on the one before it.
    const [first, second] = cycle as [string, string];
    const closing = graph.find((s) => s.name === second)!;
    ctx.problems.at([...at, "steps", second, "depends_on", closing.dependsOn.indexOf(first)], `steps depend on each other in a cycle: ${cycle.join(" -> ")}`);
  }
}

function only(defaults: Lenient<RawTask> | null, keys: readonly string[]): Lenient<RawTask> | null {
  return pick(defaults, (key) => keys.includes(key));
}

function without(defaults: Lenient<RawTask> | null, keys: readonly string[]): Lenient<RawTask> | null {
  return pick(defaults, (key) => !keys.includes(key));
}

function pick(defaults: Lenient<RawTask> | null, keep: (key: string) => boolean): Lenient<RawTask> | null {
  if (!defaults) return null;
  const filter = (map: Record<string, unknown>) => Object.fromEntries(Object.entries(map).filter(([key]) => keep(key)));
  return { value: filter(defaults.value) as RawTask, raw: filter(defaults.raw) };
}

/** A workflow made in code (the library's `addWorkflow`): its settings, with the YAML's keys; no steps yet. */
export function workflowFromValues(name: string, values: Record<string, unknown>, options: { dir: string; defaults?: RawTask | null }): WorkflowSpec {
  const problems = new MessageProblems(name, {}, ["workflows", name]);
  if (!TASK_NAME.test(name)) problems.messages.push(`the name must start with a letter or digit and hold only letters, digits, "_", "." and "-"`);
  const ctx: ReadContext = { dir: options.dir, checkFiles: true, problems, locator: NO_LOCATOR };
  const parsed = workflowSchema.safeParse(values, { reportInput: true, error: defaultMessage });
  if (!parsed.success) {
    const issueContext = { problems, locator: NO_LOCATOR, keysAt: (path: Path) => keysAt(workflowSchema, path), topLevelKey: (key: string) => `unknown setting \`${key}\`` };
    for (const issue of parsed.error.issues) reportIssue({ ...issue, path: ["workflows", name, ...issue.path] }, issueContext);
  }
  const own = parseLeniently(workflowSchema, { ...values, steps: {} });
  const defaults = options.defaults ? { value: options.defaults, raw: options.defaults as Record<string, unknown> } : null;
  const workflow = own ? readWorkflow(name, own, defaults, ctx) : null;
  problems.throwIfAny();
  return workflow!;
}

/**
 * A step added to a workflow made in code. Steps are added after the steps they depend on, so a
 * workflow built in code cannot hold a cycle; everything else is checked as in the file.
 */
export function stepFromValues(
  workflow: WorkflowSpec,
  name: string,
  values: Record<string, unknown>,
  options: { dir: string; defaults?: RawTask | null; labels?: Record<string, string>; actions?: { step?: Action; rollback?: Action } },
): StepSpec {
  const at: Path = ["workflows", workflow.name, "steps", name];
  const problems = new MessageProblems(`${workflow.name}.${name}`, options.labels ?? {}, at);
  const known = workflow.steps.map((s) => s.name);
  if (!TASK_NAME.test(name)) problems.messages.push(`step name "${name}" must start with a letter or digit and hold only letters, digits, "_", "." and "-"`);
  if (known.includes(name)) problems.messages.push(`there is already a step named "${name}"`);
  const dependsOn = Array.isArray(values.depends_on) ? (values.depends_on as string[]) : [];
  for (const dep of dependsOn) {
    if (dep === name) problems.messages.push(`depends on itself`);
    else if (!known.includes(dep)) problems.messages.push(`depends on "${dep}", which is not a step of ${workflow.name} yet: add the steps it depends on first`);
  }
  const ctx: ReadContext = { dir: options.dir, checkFiles: true, problems, locator: NO_LOCATOR };
  const parsed = stepSchema.safeParse(values, { reportInput: true, error: defaultMessage });
  if (!parsed.success) {
    const issueContext = { problems, locator: NO_LOCATOR, keysAt: (path: Path) => keysAt(stepSchema, path), topLevelKey: (key: string) => `unknown setting \`${key}\`` };
    for (const issue of parsed.error.issues) reportIssue({ ...issue, path: [...at, ...issue.path] }, issueContext);
  }
  const own = parseLeniently(stepSchema, values);
  const upstream = new Set(dependsOn.flatMap((dep) => [dep, ...upstreamOf(workflow.steps).get(dep) ?? []]));
  const defaults = options.defaults ? { value: options.defaults, raw: options.defaults as Record<string, unknown> } : null;
  const stepDefaults = without(defaults, ["cron", "every", "at", "delay", ...WORKFLOW_KEYS]);
  const step = own ? readStep(workflow.name, name, own, dependsOn, stepDefaults, workflow.timezone, upstream, at, ctx, options.actions) : null;
  problems.throwIfAny();
  return step!;
}
