/**
 * The tasks of a plan (plan-child.ts), as they cross from the child to the daemon. Ten thousand
 * tasks written alike differ in a name and a schedule, and would otherwise cross as ten thousand
 * full copies (4.6 MB of JSON for 10,000 one-line tasks, and as much garbage in the daemon): each
 * field's most frequent value is sent once, and each task as the fields in which it differs.
 */
import type { TaskSpec } from "./model.js";

type Fields = Record<string, unknown>;

export interface PlanTasks {
  /** Every field that every task has, with its most frequent value, in the order the tasks have them. */
  common: Fields;
  /** Each task's fields whose value is not the common one, and those that not every task has. */
  own: Fields[];
}

export function packTasks(tasks: TaskSpec[]): PlanTasks {
  const fieldsOf = (task: TaskSpec) => task as unknown as Fields;
  // A field some task lacks (or leaves undefined, which JSON drops) must not come back as common.
  const keys = tasks.length === 0 ? [] : Object.keys(tasks[0]!).filter((key) => tasks.every((task) => fieldsOf(task)[key] !== undefined));
  const common: Fields = {};
  // Each candidate field of every task as JSON, made once: what is counted is what is compared.
  const columns = new Map<string, { json: string[]; common: string }>();
  for (const key of keys) {
    const json = tasks.map((task) => JSON.stringify(fieldsOf(task)[key]));
    const counts = new Map<string, number>();
    for (const value of json) counts.set(value, (counts.get(value) ?? 0) + 1);
    const [most] = [...counts].reduce((best, next) => (next[1] > best[1] ? next : best));
    common[key] = JSON.parse(most);
    columns.set(key, { json, common: most });
  }
  const own = tasks.map((task, i) =>
    Object.fromEntries(
      Object.entries(task).filter(([key]) => {
        const column = columns.get(key);
        return column === undefined || column.json[i] !== column.common;
      }),
    ),
  );
  return { common, own };
}

/**
 * The tasks as the daemon keeps them, for months, made one at a time as their lines arrive. Each is
 * a copy of `common` with its own fields written over: a copy of an object with every field in place
 * takes V8's compact layout (~200 bytes a task), where adding fields one by one to a copy would take
 * four times that. Equal values are one object, shared by the tasks that have them and frozen, so
 * that nothing can change one task through another.
 */
export class TaskUnpacker {
  private readonly shared = new Map<string, unknown>();
  private readonly common: Fields;

  constructor(common: Fields) {
    // Changed in place, not rebuilt: as JSON.parse made it, every field sits inside the object, and so in each copy.
    for (const key of Object.keys(common)) common[key] = this.share(common[key]);
    this.common = common;
  }

  unpack(fields: Fields): TaskSpec {
    const task: Fields = { ...this.common };
    for (const key of Object.keys(fields)) task[key] = this.share(fields[key]);
    return task as unknown as TaskSpec;
  }

  private share(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    const json = JSON.stringify(value);
    let one = this.shared.get(json);
    if (one === undefined) this.shared.set(json, (one = deepFreeze(value)));
    return one;
  }
}

/** Every task of a packed list (tests, and any reader that has the whole of it). */
export function unpackTasks({ common, own }: PlanTasks): TaskSpec[] {
  const unpacker = new TaskUnpacker(common);
  return own.map((fields) => unpacker.unpack(fields));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
