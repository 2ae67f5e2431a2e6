/**
 * A task's settings with `defaults` applied: a task's own value wins, `env` maps are merged. A task
 * that names its own trigger (or action) replaces the defaults' one as a whole: a task with
 * `every:` under defaults with `cron:` means "every", not "two triggers".
 */
import type { Lenient } from "./lenient.js";
import type { ReadContext } from "./context.js";
import type { Path } from "./locate.js";
import type { RawTask } from "./schema.js";

export const TRIGGER_KEYS = ["cron", "every", "at", "delay"] as const;
export const ACTION_KEYS = ["scripts", "repeat", "command", "http"] as const;

type Key = keyof RawTask;

export interface TaskFields {
  name: string;
  /** Where the task is written: ["tasks", NAME], or a workflow step's place. */
  at: Path;
  /** The valid values in effect. */
  values: RawTask;
  /** Written for this task or in defaults, valid or not. */
  has(key: Key): boolean;
  /** Where the value in effect was written. */
  pathOf(key: Key): Path;
  /** Where one variable of the merged `env` was written. */
  pathOfEnv(name: string): Path;
}

export function taskFields(name: string, own: Lenient<RawTask>, defaults: Lenient<RawTask> | null, at: Path = ["tasks", name]): TaskFields {
  const written = (source: Lenient<RawTask> | null, key: string) => source !== null && source.raw[key] !== undefined;
  const groupTakenByTask = (key: string) =>
    [TRIGGER_KEYS, ACTION_KEYS].some((group) => (group as readonly string[]).includes(key) && group.some((k) => written(own, k)));
  const fromDefaults = (key: string) => !written(own, key) && written(defaults, key) && !groupTakenByTask(key);

  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults?.value ?? {})) if (fromDefaults(key)) values[key] = value;
  for (const [key, value] of Object.entries(own.value)) values[key] = value;
  if (defaults?.value.env && own.value.env) values.env = { ...defaults.value.env, ...own.value.env };

  return {
    name,
    at,
    values: values as RawTask,
    has: (key) => written(own, key) || fromDefaults(key),
    pathOf: (key) => (written(own, key) ? [...at, key] : ["defaults", key]),
    pathOfEnv: (variable) => (own.value.env?.[variable] !== undefined ? [...at, "env", variable] : ["defaults", "env", variable]),
  };
}

/** Keys in the order they appear in the file, so "the second one" is the one written later. */
export function writtenInOrder<K extends Key>(keys: K[], fields: TaskFields, ctx: ReadContext): K[] {
  const at = (key: K) => ctx.locator.position(fields.pathOf(key), "key");
  return [...keys].sort((a, b) => at(a).line - at(b).line || at(a).col - at(b).col);
}
