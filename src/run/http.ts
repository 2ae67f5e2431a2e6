import type { HttpSpec } from "../config/model.js";
import type { HttpResult } from "../store/types.js";
import { formatDuration } from "../config/duration.js";

export interface HttpOutcome {
  result: HttpResult | null;
  error: string | null;
}

/** Response headers worth keeping in a run record; the rest is noise. */
const KEPT_HEADERS = ["content-type", "content-length", "location", "retry-after", "date", "etag", "last-modified"];
const MAX_REDIRECTS = 5;

/**
 * One HTTP call of an `http:` task, with Node's own fetch. Redirects are followed by hand, at most
 * five and never to another scheme: a health check that quietly lands on a different protocol is
 * not the check the user wrote.
 */
export async function runHttp(spec: HttpSpec, cancel: AbortSignal, bodyLimitBytes: number): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = AbortSignal.any([timeout, cancel]);
  let url = spec.url;
  let method = spec.method;
  let body = spec.body;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, { method, headers: spec.headers, body: body ?? undefined, redirect: "manual", signal });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, url);
        if (next.protocol !== new URL(url).protocol) {
          return { result: await toResult(response, bodyLimitBytes), error: `redirected from ${url} to ${next.href}, a different scheme: not followed` };
        }
        if (hop >= MAX_REDIRECTS) return { result: null, error: `more than ${MAX_REDIRECTS} redirects, last to ${next.href}` };
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
          method = "GET";
          body = null;
        }
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
    if (timeout.aborted) return { result: null, error: `timed out after ${formatDuration(spec.timeoutMs)} (${method} ${url})` };
    if (cancel.aborted) return { result: null, error: "cancelled" };
    return { result: null, error: describeFetchError(error, url) };
  }
}

async function toResult(response: Response, limit: number): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: response.status, headers, body: await readTail(response, limit) };
}

/** Reads the whole body but keeps only its last `limit` bytes, so a huge response costs no memory. */
async function readTail(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  let tail = Buffer.alloc(0);
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > limit * 2) tail = tail.subarray(tail.length - limit);
  }
  if (tail.length > limit) tail = tail.subarray(tail.length - limit);
  return tail.toString("utf8");
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
  return `request to ${url} failed: ${cause?.message ?? (error as Error).message}`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
