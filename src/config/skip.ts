/** Skip rules: any that holds makes a fire a skipped run, with the reason recorded. */
import { resolve } from "node:path";
import type { ReadContext } from "./context.js";
import type { SkipRule } from "./model.js";
import type { RawSkipRule } from "./schema.js";

const DAY_NUMBERS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export function readSkipRule(rule: RawSkipRule, ctx: ReadContext): SkipRule {
  if (rule.weekdays) {
    // "Monday", "mon" and "MON" all name day 1: the schema allows only real names.
    const days = new Set(rule.weekdays.map((day) => DAY_NUMBERS[day.slice(0, 3).toLowerCase()]!));
    return { kind: "weekdays", days: [...days].sort((a, b) => a - b) };
  }
  if (rule.dates) {
    return {
      kind: "dates",
      ranges: rule.dates.map((entry) => {
        const [from, to = from] = entry.split("..") as [string, string?];
        return { from, to };
      }),
    };
  }
  if (rule.command !== undefined) return { kind: "command", command: rule.command };
  if (rule.file_exists !== undefined) return { kind: "file_exists", path: resolve(ctx.dir, rule.file_exists) };
  return { kind: "env", name: rule.env! };
}
