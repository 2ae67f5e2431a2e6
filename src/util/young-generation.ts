/**
 * V8 doubles its young generation (up to 2 × 16 MB) whenever more has survived it than it holds.
 * A daemon's start-up survives by the megabyte, once — its modules, then every task armed — and
 * would leave the young generation at 2 × 8 MB, touched and resident for months, besides setting
 * off the mark-compact that starts V8's memory reducer (a GC burst in the first idle minute).
 * Held at its size while the daemon starts, it grows again as before once the daemon runs, when
 * its work makes it.
 */
import { setFlagsFromString } from "node:v8";

const FLAG = "--semi-space-growth-factor";
/** V8's default (flag-definitions.h, V8 11 to 12). */
const DEFAULT_GROWTH = 2;

/** Holds the young generation at its size until the returned function is called. */
export function holdYoungGeneration(): () => void {
  // Someone who set the flag (NODE_OPTIONS, node's own arguments) knows what they want.
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) => arg.includes(FLAG.slice(2)))) return () => undefined;
  // The factor is read each time V8 grows the space, so it takes effect at once, and back again.
  setFlagsFromString(`${FLAG}=1`);
  let held = true;
  return () => {
    if (held) setFlagsFromString(`${FLAG}=${DEFAULT_GROWTH}`);
    held = false;
  };
}
