/** A task's trigger: at most one of cron, every, at, delay; none means manual only. */
import { checkCronExpression, isReboot, shortestCronGapMs } from "../schedule/cron.js";
import type { ReadContext } from "./context.js";
import { formatDuration, parseDuration } from "../time/duration.js";
import type { Trigger } from "./model.js";
import { countWord, listOfKeys, showValue } from "./problems.js";
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
  if (every !== undefined) return { kind: "every", intervalMs: parseDuration(every)! };
  if (at !== undefined) return { kind: "at", atMs: zonedWallTimeToEpoch(at, timezone) };
  if (delay !== undefined) return { kind: "delay", delayMs: parseDuration(delay)! };
  return null;
}

/**
 * A jitter as long as the time between two fires would let a fire land after the next one (and a
 * huge one would mean it never fires): it must be shorter than the interval, or for cron than the
 * shortest gap between its next fires. One-shots have no next fire to run into.
 */
export function checkJitter(trigger: Trigger | null, timezone: string, fields: TaskFields, ctx: ReadContext): void {
  const { jitter } = fields.values;
  if (jitter === undefined || trigger === null) return;
  const jitterMs = parseDuration(jitter)!;
  let limit: { ms: number; what: string } | null = null;
  if (trigger.kind === "every") {
    limit = { ms: trigger.intervalMs, what: `the interval (every ${formatDuration(trigger.intervalMs)})` };
  } else if (trigger.kind === "cron" && checkCronExpression(trigger.expression, timezone) === null) {
    const gapMs = shortestCronGapMs(trigger.expression, timezone, Date.now());
    if (gapMs !== null) limit = { ms: gapMs, what: `the shortest gap between the task's fires (${formatDuration(gapMs)} for "${trigger.expression}")` };
  }
  if (limit && jitterMs >= limit.ms) ctx.problems.at(fields.pathOf("jitter"), `must be shorter than ${limit.what}, got ${showValue(jitter)}`);
}
