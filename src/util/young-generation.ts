/**
 * The daemon's heap as it starts: the young generation held at its size, and V8's memory reducer
 * told to wait (below).
 *
 * V8 doubles its young generation (up to 2 × 16 MB) whenever more has survived it than it holds.
 * A daemon's start-up survives by the megabyte, once — its modules, then every task armed — and
 * would leave the young generation at 2 × 8 MB, touched and resident for months, besides setting
 * off the mark-compact that starts V8's memory reducer (a GC burst in the first idle minute).
 * Held at its size while the daemon starts, it grows again as before once the daemon runs, when
 * its work makes it.
 */
import { setFlagsFromString } from "node:v8";

/** Whether the user set a V8 flag naming `part` themselves (node's arguments, NODE_OPTIONS): theirs to decide. */
function setByUser(part: string): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) => arg.includes(part));
}

const FLAG = "--semi-space-growth-factor";
/** V8's default (flag-definitions.h, V8 11 to 12). */
const DEFAULT_GROWTH = 2;

/** Holds the young generation at its size until the returned function is called. */
export function holdYoungGeneration(): () => void {
  // Someone who set the flag (NODE_OPTIONS, node's own arguments) knows what they want.
  if (setByUser(FLAG.slice(2))) return () => undefined;
  // The factor is read each time V8 grows the space, so it takes effect at once, and back again.
  setFlagsFromString(`${FLAG}=1`);
  let held = true;
  return () => {
    if (held) setFlagsFromString(`${FLAG}=${DEFAULT_GROWTH}`);
    held = false;
  };
}

const REDUCER_DELAY_FLAG = "--gc-memory-reducer-start-delay-ms";
/** How long V8's memory reducer waits, once the heap has grown, before its first GC (V8's own: 8 s). */
export const REDUCER_DELAY_MS = 5 * 60_000;

/**
 * V8's memory reducer gives back what the heap grew to, in two or three full GCs, 8 s after the
 * heap first grows: for the daemon, always inside its first idle minute (10,000 tasks: ~35 ms of
 * CPU, ~5 MB given back), since loading it grows the heap. Told to wait minutes, it does the same
 * once the daemon has been quiet that long. The delay is read when the heap grows, so it is set
 * first thing, before any module of the command is loaded (bin/orchestrate).
 */
export function postponeMemoryReducer(): void {
  if (setByUser("memory-reducer")) return;
  setFlagsFromString(`${REDUCER_DELAY_FLAG}=${REDUCER_DELAY_MS}`);
}
