import type { HttpSpec } from "../config/model.js";
import type { HttpResult } from "../store/types.js";
import { MAX_TIMER_MS } from "../time/clock.js";
import { formatDuration } from "../time/duration.js";
import { maskUrl } from "../util/url.js";
import { lastBytes } from "./output-tail.js";

export interface HttpOutcome {
  result: HttpResult | null;
  error: string | null;
}

/** Response headers worth keeping in a run record; the rest is noise. */
const KEPT_HEADERS = ["content-type", "content-length", "location", "retry-after", "date", "etag", "last-modified"];
const MAX_REDIRECTS = 5;
/** Credentials for one origin; a redirect elsewhere must not carry them (as fetch and curl do). */
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
/** Headers about the body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(["content-type", "content-length", "content-encoding", "content-language", "content-location"]);

/**
 * One HTTP call of an `http:` task, with Node's own fetch. Redirects are followed by hand, at most
 * five and never to another scheme: a health check that quietly lands on a different protocol is
 * not the check the user wrote. Credentials go only to the origin they were written for.
 */
export async function runHttp(spec: HttpSpec, cancel: AbortSignal, bodyLimitBytes: number): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(Math.min(spec.timeoutMs, MAX_TIMER_MS));
  const signal = AbortSignal.any([timeout, cancel]);
  let url = spec.url;
  let method = spec.method;
  let body = spec.body;
  let headers = spec.headers;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, { method, headers, body: body ?? undefined, redirect: "manual", signal });
      const location = response.headers.get("location");
      // A redirect that `expect` names is the answer (a check that http:// sends users to https://).
      if (response.status >= 300 && response.status < 400 && location && !statusExpected(response.status, spec.expect)) {
        const next = new URL(location, url);
        if (next.protocol !== new URL(url).protocol) {
          return { result: await toResult(response, bodyLimitBytes), error: `redirected from ${maskUrl(url)} to ${maskUrl(next.href)}, a different scheme: not followed` };
        }
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS) return { result: null, error: `more than ${MAX_REDIRECTS} redirects, last to ${maskUrl(next.href)}` };
        // Fetch's rule: a 303 (or a 301/302 after a POST) is followed with a GET and no body.
        const becomesGet = response.status === 303 ? method !== "GET" && method !== "HEAD" : (response.status === 301 || response.status === 302) && method === "POST";
        if (becomesGet) {
          method = "GET";
          body = null;
          headers = withoutHeaders(headers, BODY_HEADERS);
        }
        if (next.origin !== new URL(url).origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
        url = next.href;
        continue;
      }
      const result = await toResult(response, bodyLimitBytes);
      if (!statusExpected(response.status, spec.expect)) {
        return { result, error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""} (expected ${spec.expect.join(" or ")})` };
      }
      return { result, error: null };
    }
  } catch (error) {
    // The run's error already names the request as configured; name where it went only if a redirect moved it.
    const where = url === spec.url ? "" : ` (redirected to ${method} ${maskUrl(url)})`;
    if (timeout.aborted) return { result: null, error: `timed out after ${formatDuration(spec.timeoutMs)}${where}` };
    if (cancel.aborted) return { result: null, error: "cancelled" };
    return { result: null, error: describeFetchError(error, url) };
  }
}

async function toResult(response: Response, limit: number): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = response.headers.get(name);
    // A Location may carry credentials of its own; records never show them.
    if (value !== null) headers[name] = name === "location" ? maskUrl(value) : value;
  }
  return { status: response.status, headers, body: await readTail(response, limit) };
}

/** Reads the whole body but keeps only its last `limit` bytes, so a huge response costs no memory. */
async function readTail(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > limit * 2) tail = lastBytes(tail, limit);
  }
  return lastBytes(tail, limit).toString("utf8");
}

function withoutHeaders(headers: Record<string, string>, names: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase())));
}

export function statusExpected(status: number, expect: string[]): boolean {
  return expect.some((pattern) => {
    const cls = /^([1-5])xx$/i.exec(pattern);
    if (cls) return Math.floor(status / 100) === Number(cls[1]);
    return Number(pattern) === status;
  });
}

function describeFetchError(error: unknown, url: string): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const host = safeHost(url);
  switch (cause?.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `DNS lookup of ${host} failed (${cause.code})`;
    case "ECONNREFUSED":
      return `connection to ${host} refused`;
    case "ECONNRESET":
      return `connection to ${host} was reset`;
  }
  return maskUrl(`request to ${url} failed: ${cause?.message ?? (error as Error).message}`);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
