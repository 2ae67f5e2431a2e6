/**
 * Counting the slots (scheduled fire times) in a stretch of time, for catch-up after downtime or
 * a forward clock jump. The stretch may be long (a week of a per-second schedule), so cron slots
 * are enumerated only up to a budget; past it, the endpoints and the last few slots stay exact
 * and the count in the middle is estimated from the average spacing.
 */
import type { Trigger } from "./types.js";
import { cronFiresAfter } from "./cron.js";
import { nextFireAfter } from "./trigger.js";

export interface SlotSpan {
  /** How many slots lie in the stretch (estimated only past ENUMERATION_BUDGET cron slots). */
  count: number;
  first: number | null;
  last: number | null;
  /** The last `keep` slots, ascending. */
  kept: number[];
}

const ENUMERATION_BUDGET = 2_000;
const EMPTY: SlotSpan = { count: 0, first: null, last: null, kept: [] };

/** Slots in [fromMs, toMs], both inclusive. */
export function collectSlots(trigger: Trigger, timezone: string, anchorMs: number, fromMs: number, toMs: number, keep: number): SlotSpan {
  if (toMs < fromMs) return EMPTY;
  if (trigger.kind === "every" && trigger.intervalMs > 0) return everySlots(trigger.intervalMs, anchorMs, fromMs, toMs, keep);
  if (trigger.kind === "cron") return cronSlots(trigger.expression, timezone, fromMs, toMs, keep);
  const only = nextFireAfter(trigger, timezone, fromMs - 1, anchorMs);
  return only !== null && only <= toMs ? { count: 1, first: only, last: only, kept: keep > 0 ? [only] : [] } : EMPTY;
}

function everySlots(intervalMs: number, anchorMs: number, fromMs: number, toMs: number, keep: number): SlotSpan {
  const first = fromMs <= anchorMs ? anchorMs : anchorMs + Math.ceil((fromMs - anchorMs) / intervalMs) * intervalMs;
  if (first > toMs) return EMPTY;
  const last = anchorMs + Math.floor((toMs - anchorMs) / intervalMs) * intervalMs;
  const count = (last - first) / intervalMs + 1;
  const kept: number[] = [];
  for (let i = Math.min(keep, count) - 1; i >= 0; i--) kept.push(last - i * intervalMs);
  return { count, first, last, kept };
}

function cronSlots(expression: string, timezone: string, fromMs: number, toMs: number, keep: number): SlotSpan {
  const head = enumerate(expression, timezone, fromMs - 1, toMs, keep);
  if (head.complete || head.span.last === null) return head.span;
  const tail = lastSlots(expression, timezone, head.span.last, toMs, keep, head.averageMs);
  if (tail.count === 0) return head.span;
  const gapMs = (tail.first as number) - head.span.last;
  const between = Math.max(0, Math.round(gapMs / head.averageMs) - 1);
  const kept = [...head.span.kept, ...tail.kept].slice(-keep || Infinity);
  return { count: head.span.count + between + tail.count, first: head.span.first, last: tail.last, kept: keep > 0 ? kept : [] };
}

interface Enumeration {
  span: SlotSpan;
  complete: boolean;
  averageMs: number;
}

/** Slots in (afterMs, toMs], at most ENUMERATION_BUDGET of them. */
function enumerate(expression: string, timezone: string, afterMs: number, toMs: number, keep: number): Enumeration {
  let count = 0;
  let first: number | null = null;
  let last: number | null = null;
  const kept: number[] = [];
  for (const slot of cronFiresAfter(expression, timezone, afterMs)) {
    if (slot > toMs) return { span: { count, first, last, kept }, complete: true, averageMs: 0 };
    if (count === ENUMERATION_BUDGET) {
      const averageMs = ((last as number) - (first as number)) / Math.max(1, count - 1);
      return { span: { count, first, last, kept }, complete: false, averageMs };
    }
    count++;
    first ??= slot;
    last = slot;
    if (keep > 0) {
      kept.push(slot);
      if (kept.length > keep) kept.shift();
    }
  }
  return { span: { count, first, last, kept }, complete: true, averageMs: 0 };
}

/** The slots just before `toMs` (and after `afterMs`), found by looking back further until `keep` (or one) turn up. */
function lastSlots(expression: string, timezone: string, afterMs: number, toMs: number, keep: number, averageMs: number): SlotSpan {
  let lookBackMs = Math.max(1_000, averageMs * (Math.max(keep, 1) + 1));
  for (let attempt = 0; ; attempt++) {
    const from = Math.max(afterMs, toMs - lookBackMs);
    const found = enumerate(expression, timezone, from, toMs, keep);
    const enough = found.complete && (found.span.count >= Math.max(keep, 1) || from === afterMs);
    if (enough || attempt === 40) return found.span; // 40 halvings/doublings: the spacing is wildly uneven; take what we have
    if (!found.complete) lookBackMs /= 2;
    else lookBackMs *= 2;
  }
}
