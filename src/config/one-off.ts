/**
 * One-off runs (`orchestrate schedule`, the library's `schedule()`): their name and whether they can
 * run, checked before they are queued. The task a one-off runs as is made in one-off-task.ts, apart:
 * it needs the normalizer (and zod), which a daemon loads only once a one-off comes due.
 */
import { maskUrl } from "../util/url.js";
import { requireFile } from "./context.js";
import { httpUrlProblem } from "./http-url.js";
import type { OneOffSpec } from "./model.js";

/** The task name a one-off is recorded under: what it does, readable in `history`, credentials masked. */
export function oneOffTaskName(spec: OneOffSpec): string {
  return spec.kind === "http" ? `once:${maskUrl(spec.url)}` : `once:${spec.path}`;
}

/** Why a one-off cannot run as given (a URL that is not one, a script that is not there), or null: asked before it is queued. */
export function oneOffProblem(spec: OneOffSpec): string | null {
  return spec.kind === "http" ? httpUrlProblem(spec.url) : requireFile(spec.path, "file", "script");
}
