/**
 * The dashboard's only way out: the daemon's own API, on the origin that served the page. The
 * token (when the API has one) lives in sessionStorage, so it is gone when the tab closes, and
 * goes as a Bearer header; the event stream, which cannot send headers, takes it as ?token=.
 */
import type { JobStatus } from "../../src/engine/status.js";
import type { RunBrief, RunSummary } from "../../src/api/run-summary.js";
import type { RunRecord, RunStatus } from "../../src/store/types.js";

export type { JobStatus, RunBrief, RunRecord, RunStatus, RunSummary };
export type TaskView = Omit<JobStatus, "lastRun"> & { lastRun: RunSummary | null; recentRuns: RunBrief[] };

const TOKEN_KEY = "orchestrate.token";

/** The API said 401: the page shows the login form. */
export class Unauthorized extends Error {}

export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

const unauthorizedListeners = new Set<() => void>();
export const onUnauthorized = (listener: () => void) => {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
};

/** `/v1/tasks` → `v1/tasks`: relative to the page, so that a proxy may serve it under a prefix. */
export const relative = (path: string) => path.replace(/^\//, "");

export async function call<T>(method: "GET" | "POST", path: string, token = savedToken()): Promise<T> {
  const response = await fetch(relative(path), {
    method,
    headers: { accept: "application/json", ...(token !== null && { authorization: `Bearer ${token}` }) },
    cache: "no-store",
  });
  if (response.status === 401) {
    for (const listener of unauthorizedListeners) listener();
    throw new Unauthorized("the API needs a token");
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

export const query = (params: Record<string, string | number | undefined | null>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
};

export const api = {
  tasks: () => call<{ tasks: TaskView[] }>("GET", "/v1/tasks?recent=30&view=summary").then((r) => r.tasks),
  runs: (filter: { task?: string; status?: string; since?: string; until?: string; before?: number; limit?: number }) =>
    call<{ runs: RunSummary[]; next: number | null }>("GET", `/v1/runs${query({ ...filter, view: "summary" })}`),
  run: (id: number) => call<RunRecord>("GET", `/v1/runs/${id}`),
  trigger: (name: string) => call<{ id: number | null; status: string }>("POST", `/v1/tasks/${encodeURIComponent(name)}/trigger`),
  pause: (name: string) => call("POST", `/v1/tasks/${encodeURIComponent(name)}/pause`),
  resume: (name: string) => call("POST", `/v1/tasks/${encodeURIComponent(name)}/resume`),
};
