/**
 * `notify:` (SPEC §3) and `api:`: where run events go, and where the control plane listens. Each
 * entry is one of webhook, command, heartbeat; what does not fit its kind is reported where written.
 */
import type { ReadContext } from "./context.js";
import type { Path } from "./locate.js";
import type { ApiSpec, NotifySpec } from "./model.js";
import { listOfKeys } from "./problems.js";
import type { RawNotify } from "./schema.js";
import { parseDuration } from "../time/duration.js";
import { parseListen } from "./listen.js";

const KINDS = ["webhook", "command", "heartbeat"] as const;
const DEFAULT_TIMEOUT_MS = { webhook: 10_000, command: 30_000, heartbeat: 10_000 };
const DEFAULT_HEARTBEAT_MS = 60_000;
/** What each kind takes besides its own key. */
const ALLOWED: Record<(typeof KINDS)[number], readonly string[]> = {
  webhook: ["events", "secret_env", "headers", "timeout"],
  command: ["events", "timeout"],
  heartbeat: ["every", "timeout"],
};

/** `where` is "config" (the top-level list, heartbeats allowed) or "job" (a task's or workflow's own list). */
export function readNotify(entries: RawNotify[] | undefined, at: Path, ctx: ReadContext, where: "config" | "job"): NotifySpec[] {
  const specs: NotifySpec[] = [];
  (entries ?? []).forEach((entry, i) => {
    const path = [...at, i];
    const kinds = KINDS.filter((kind) => entry[kind] !== undefined);
    if (kinds.length !== 1) {
      const message = kinds.length === 0 ? "give one of `webhook`, `command` or `heartbeat`" : `${listOfKeys(kinds)} in one entry: give one destination per entry`;
      ctx.problems.at(path, message);
      return;
    }
    const kind = kinds[0]!;
    const stray = Object.keys(entry).filter((key) => key !== kind && !ALLOWED[kind].includes(key));
    for (const key of stray) ctx.problems.at([...path, key], `a ${kind} entry takes no \`${key}\` (it takes ${listOfKeys(ALLOWED[kind])})`, "key");
    if (kind === "heartbeat" && where === "job") {
      ctx.problems.at([...path, "heartbeat"], "a heartbeat is about the daemon, not one task: put it in the top-level `notify:`", "key");
      return;
    }
    const timeoutMs = entry.timeout === undefined ? DEFAULT_TIMEOUT_MS[kind] : parseDuration(entry.timeout)!;
    const events = entry.events ? [...new Set(entry.events)] : null;
    if (kind === "webhook") specs.push({ kind, url: entry.webhook!, events, secretEnv: entry.secret_env ?? null, headers: stringValues(entry.headers), timeoutMs });
    else if (kind === "command") specs.push({ kind, command: entry.command!.replace(/\n+$/, ""), events, timeoutMs, cwd: ctx.dir });
    else specs.push({ kind, url: entry.heartbeat!, everyMs: entry.every === undefined ? DEFAULT_HEARTBEAT_MS : parseDuration(entry.every)!, timeoutMs });
  });
  return specs;
}

function stringValues(map: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [key, String(value)]));
}

/** `api: { listen: HOST:PORT, token_env }`, or `run --api HOST:PORT` (which wins). */
export function readApi(raw: { listen: string; token_env?: string } | undefined, override: string | undefined): ApiSpec | null {
  const listen = override ?? raw?.listen;
  if (listen === undefined) return null;
  const parsed = parseListen(listen);
  if (!parsed) return null;
  return { ...parsed, tokenEnv: raw?.token_env ?? null };
}
