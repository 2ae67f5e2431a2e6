/** A task's trigger: at most one of cron, every, at, delay; none means manual only. */
import { checkCronExpression, isReboot } from "../schedule/cron.js";
import type { ReadContext } from "./context.js";
import { parseDuration } from "../time/duration.js";
import type { Trigger } from "./model.js";
import { countWord, listOfKeys } from "./problems.js";
import { TRIGGER_KEYS, writtenInOrder, type TaskFields } from "./task-fields.js";
import { zonedWallTimeToEpoch } from "../time/zones.js";

export function readTrigger(fields: TaskFields, timezone: string, ctx: ReadContext): Trigger | null {
  const written = writtenInOrder(TRIGGER_KEYS.filter((key) => fields.has(key)), fields, ctx);
  if (written.length > 1) {
    const message = `${countWord(written.length)} triggers on one task (${listOfKeys(written)}): keep one of cron, every, at, delay`;
    ctx.problems.at(fields.pathOf(written[1]!), message, "key");
  }
  const { cron, every, at, delay } = fields.values;
  if (cron !== undefined) {
    if (isReboot(cron)) return { kind: "reboot" };
    const problem = checkCronExpression(cron, timezone);
    if (problem) ctx.problems.at(fields.pathOf("cron"), problem);
    return { kind: "cron", expression: cron.trim() };
  }
  if (every !== undefined) {
    const intervalMs = parseDuration(every)!;
    if (intervalMs === 0) ctx.problems.at(fields.pathOf("every"), "must be longer than 0");
    return { kind: "every", intervalMs };
  }
  if (at !== undefined) return { kind: "at", atMs: zonedWallTimeToEpoch(at, timezone) };
  if (delay !== undefined) return { kind: "delay", delayMs: parseDuration(delay)! };
  return null;
}
