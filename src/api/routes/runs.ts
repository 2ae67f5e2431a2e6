/** Runs: the record (paged), one-offs (as `orchestrate schedule` makes them), messages from scripts, cancels. */
import { isAbsolute, resolve } from "node:path";
import type { OneOffSpec } from "../../config/model.js";
import { oneOffProblem, oneOffTaskName } from "../../config/one-off.js";
import type { Runtime } from "../../engine/runtime.js";
import { scriptTypeFor } from "../../run/invocation.js";
import type { RunStatus } from "../../store/types.js";
import type { Clock } from "../../time/clock.js";
import { parseDuration } from "../../time/duration.js";
import { ApiError, notFound, type Route } from "../route.js";
import { runSummary } from "../run-summary.js";
import { messageBody, newRunBody, runParams, runsQuery } from "../schemas.js";

export interface RunRoutesOptions {
  runtime: Runtime;
  clock: Clock;
  /** Relative script paths of one-offs resolve against the configuration's folder. */
  dir: string;
}

type IdParams = { id: number };

interface NewRunBody {
  url?: string;
  script?: string;
  type?: string;
  params?: string[][];
  delay?: number | string;
  at?: string;
}

export function runRoutes({ runtime, clock, dir }: RunRoutesOptions): Route[] {
  const runOr404 = async (id: number) => {
    const run = await runtime.getRun(id);
    if (!run) throw notFound(`no run ${id}`);
    return run;
  };
  return [
    {
      method: "GET",
      url: "/v1/runs",
      summary: "recorded runs, newest first; pass `next` as `before` for the next page",
      schema: { querystring: runsQuery },
      responses: { 200: "{ runs: [...], next: cursor or null }", 400: "what is wrong, naming the field" },
      handler: async (request) => {
        const { since, until, view, ...query } = request.query as {
          task?: string;
          status?: RunStatus;
          limit: number;
          before?: number;
          since?: string;
          until?: string;
          view: "full" | "summary";
        };
        const runs = await runtime.history({ ...query, sinceMs: timeOf(since, "since"), untilMs: timeOf(until, "until") });
        // A full page may have more behind it; the last id is where the next page starts.
        return { runs: view === "summary" ? runs.map(runSummary) : runs, next: runs.length === query.limit ? runs.at(-1)!.id : null };
      },
    },
    {
      method: "GET",
      url: "/v1/runs/:id",
      summary: "one run, exactly as `orchestrate show ID --json` prints it",
      schema: { params: runParams },
      responses: { 200: "the run", 404: "no such run" },
      handler: async (request) => runOr404((request.params as IdParams).id),
    },
    {
      method: "POST",
      url: "/v1/runs",
      summary: "a one-off run, as `orchestrate schedule` adds: { url } or { script, type?, params? }, with delay (seconds or a duration) or at (ISO 8601)",
      schema: { body: newRunBody },
      responses: { 201: "{ id, task, dueAt }", 400: "what is wrong, naming the field" },
      handler: async (request, reply) => {
        const body = (request.body ?? {}) as NewRunBody;
        const what = oneOffOf(body, dir);
        const when = dueOf(body, clock.now());
        const id = await runtime.schedule(what, when);
        const queued = await runtime.getRun(id);
        return reply.code(201).send({ id, task: oneOffTaskName(what), dueAt: queued?.scheduledAt ?? null });
      },
    },
    {
      method: "POST",
      url: "/v1/runs/:id/messages",
      summary: "a running script reports on its run (as `orchestrate report`): { message?, status? }; the run's report token opens it too",
      reportable: true,
      schema: { params: runParams, body: messageBody },
      responses: { 202: "{ id }", 400: "neither message nor status", 404: "no such run", 409: "the run is not running" },
      handler: async (request, reply) => {
        const { id } = request.params as IdParams;
        const body = (request.body ?? {}) as { message?: string; status?: RunStatus };
        if (body.message === undefined && body.status === undefined) throw new ApiError(400, "body: give message, status, or both", "body");
        const run = await runOr404(id);
        if (run.status !== "running") throw new ApiError(409, `run ${id} is ${run.status}, not running: nothing to report on`);
        await runtime.report(id, { status: body.status ?? null, message: body.message ?? null });
        return reply.code(202).send({ id });
      },
    },
    {
      method: "POST",
      url: "/v1/runs/:id/cancel",
      summary: "stop a running run, or cancel a one-off not yet due",
      schema: { params: runParams },
      responses: { 202: "{ id, cancelled: true }", 404: "no such run", 409: "the run has already finished" },
      handler: async (request, reply) => {
        const { id } = request.params as IdParams;
        if (await runtime.cancel(id, "cancelled through the API")) return reply.code(202).send({ id, cancelled: true });
        const run = await runOr404(id);
        throw new ApiError(409, `run ${id} is ${run.status}: there is nothing to cancel`);
      },
    },
  ];
}

function timeOf(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ApiError(400, `query.${field}: ${JSON.stringify(text)} is not a time: use ISO 8601, e.g. 2026-12-01T09:00:00Z`, `query.${field}`);
  return ms;
}

/** The one-off a body asks for, checked as `orchestrate schedule` checks its options. */
function oneOffOf(body: NewRunBody, dir: string): OneOffSpec {
  if ((body.url === undefined) === (body.script === undefined)) throw new ApiError(400, "body: give exactly one of url or script", "body");
  if (body.url !== undefined) {
    if (body.type !== undefined || body.params !== undefined) throw new ApiError(400, "body.type and body.params are for a script, not a url", "body.type");
    return checked({ kind: "http", url: body.url }, "body.url");
  }
  const path = isAbsolute(body.script!) ? body.script! : resolve(dir, body.script!);
  const params = (body.params ?? []).map(([key, value]) => [key!, value!] as [string, string]);
  return checked({ kind: "script", path, type: body.type ?? scriptTypeFor(path), params }, "body.script");
}

function checked(what: OneOffSpec, field: string): OneOffSpec {
  const problem = oneOffProblem(what);
  if (problem) throw new ApiError(400, `${field}: ${problem}`, field);
  return what;
}

function dueOf(body: NewRunBody, nowMs: number): { delayMs?: number; atMs?: number } {
  if (body.delay !== undefined && body.at !== undefined) throw new ApiError(400, "body: give delay or at, not both", "body.delay");
  if (body.delay !== undefined) {
    const delayMs = parseDuration(body.delay);
    if (delayMs === null) throw new ApiError(400, `body.delay: ${JSON.stringify(body.delay)} is not a number of seconds or a duration such as 5m`, "body.delay");
    return { delayMs };
  }
  if (body.at !== undefined) {
    const atMs = Date.parse(body.at);
    if (Number.isNaN(atMs)) throw new ApiError(400, `body.at: ${JSON.stringify(body.at)} is not a time: use ISO 8601, e.g. 2026-12-01T09:00:00+01:00`, "body.at");
    return { atMs };
  }
  return { atMs: nowMs };
}
