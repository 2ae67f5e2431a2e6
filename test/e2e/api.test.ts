/**
 * The REST API of a running daemon, through a real HTTP client (fetch) against the built CLI's
 * `orchestrate run`: the token, validation, 404s, tasks, runs, one-offs (seed 000's flow), reports,
 * cancels, the event stream, metrics (checked by a Prometheus parser) and the OpenAPI document.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { promisify } from "node:util";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/types.js";
import { Daemon, runCli, tempProject, waitFor, withDeadline } from "../helpers/project.js";

const TOKEN = "s3cret-token-for-tests";

/** A port nothing listens on now: the OS picks it, we let it go and give it to the daemon. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A local server that answers 200 and counts the requests it got, by path. */
async function target(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "text/plain" }).end("pong");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The API of a daemon on `base`, with or without the token. */
function client(base: string, token: string | null = TOKEN) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const json = response.headers.get("content-type")?.includes("application/json") ? (JSON.parse(text) as Record<string, unknown>) : null;
    return { status: response.status, json: json as Record<string, any>, text, headers: response.headers };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body, headers),
  };
}

/** Waits until run `id`, read through the API, satisfies `done`; returns it. */
async function runUntil(api: ReturnType<typeof client>, id: number, done: (run: RunRecord) => boolean, what: string): Promise<RunRecord> {
  let run: RunRecord | null = null;
  await waitFor(
    async () => {
      const response = await api.get(`/v1/runs/${id}`);
      run = response.status === 200 ? (response.json as RunRecord) : null;
      return run !== null && done(run);
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `run ${id} ${what} (last seen: ${JSON.stringify(run)})` },
  );
  return run!;
}

interface StreamEvent {
  event: string;
  id: string | null;
  data: Record<string, unknown>;
}

/** Opens /v1/events and collects what it delivers; `until` waits (with a deadline) for an event. */
async function openStream(base: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const events: StreamEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => frame.split("\n").find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? null;
        const data = field("data");
        if (data !== null) events.push({ event: field("event")!, id: field("id"), data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  })().catch(() => undefined);
  return {
    events,
    async until(match: (e: StreamEvent) => boolean, what: string): Promise<StreamEvent> {
      await waitFor(() => events.some(match), { timeoutMs: 10_000, intervalMs: 20, what: `${what} on the event stream (got: ${events.map((e) => `${e.id}:${e.event}`).join(" ")})` });
      return events.find(match)!;
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

describe("the REST API of a daemon with a token", () => {
  let base = "";
  let daemon: Daemon;
  let project: ReturnType<typeof tempProject>;
  let server: Awaited<ReturnType<typeof target>>;
  const api = () => client(base);

  beforeAll(async () => {
    server = await target();
    const port = await freePort();
    project = tempProject({
      "orchestration.yaml": `
state: ./state.db
api:
  listen: 127.0.0.1:${port}
  token_env: ORCHESTRATE_TOKEN
tasks:
  quick:
    description: says hello
    command: echo hello
    notify: [ { webhook: "${server.url}/hook", events: [succeeded] } ]
  slow:
    command: sleep 30
  reporter:
    scripts: [ { path: report.sh } ]
  tick:
    every: 1s
    command: "true"
  hourly:
    cron: "0 * * * *"
    command: echo on the hour
`,
      "args.sh": `#!/usr/bin/env bash\nprintf '%s\\n' "$@"\n`,
      "report.sh": `#!/usr/bin/env bash\nset -e\nprintf '%s' "$ORCHESTRATE_REPORT_TOKEN" > report-token\n"$ORCHESTRATE_BIN" report --status running --message "through the API"\n`,
    });
    daemon = new Daemon(["run"], { cwd: project.dir, env: { ORCHESTRATE_TOKEN: TOKEN } });
    await daemon.waitForOutput(/orchestrate is running/);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    // A clean stop with an event stream open: the API must not hold the daemon up.
    if (daemon) expect(await daemon.stop()).toBe(0);
    await server?.close();
    project?.cleanup();
  });

  it("says it listens, and that it needs a token", () => {
    expect(daemon.output).toMatch(new RegExp(`API listening on ${base.replace(/[.]/g, "\\.")} \\(token required\\)`));
  });

  it("answers 401 as JSON without the token or with a wrong one, on every endpoint but /healthz", async () => {
    for (const path of ["/v1/tasks", "/v1/runs", "/metrics", "/v1/openapi.json", "/v1/events", "/no/such/route"]) {
      const without = await client(base, null).get(path);
      expect(without.status, path).toBe(401);
      expect(without.json.error).toMatch(/token/);
      expect(without.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await client(base, "wrong-token").get(path)).status, path).toBe(401);
      expect((await client(base, `${TOKEN}x`).get(path)).status, path).toBe(401);
    }
    expect((await client(base, null).post("/v1/tasks/quick/trigger")).status).toBe(401);
    expect((await client(base, null).get("/v1/tasks", { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    const health = await client(base, null).get("/healthz");
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: "ok" });
  });

  it("lists every task with its next fire, last run and pause, and one task by name; an unknown one is 404", async () => {
    const { status, json } = await api().get("/v1/tasks");
    expect(status).toBe(200);
    const tasks = json.tasks as Array<Record<string, any>>;
    expect(tasks.map((t) => t.name)).toEqual(["quick", "slow", "reporter", "tick", "hourly"]);
    const hourly = tasks.find((t) => t.name === "hourly")!;
    expect(hourly).toMatchObject({ kind: "task", paused: false, schedule: expect.stringMatching(/hour/) });
    expect(Date.parse(hourly.nextFireAt) % 3_600_000).toBe(0);
    expect(Date.parse(hourly.nextFireAt)).toBeGreaterThan(Date.now());
    expect(tasks.find((t) => t.name === "quick")).toMatchObject({ nextFireAt: null, lastRun: null, description: "says hello" });

    const one = await api().get("/v1/tasks/hourly");
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ name: "hourly", nextFireAt: hourly.nextFireAt });
    const unknown = await api().get("/v1/tasks/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/no task or workflow named "nope"/);
    expect((await api().post("/v1/tasks/nope/trigger")).status).toBe(404);
    expect((await api().post("/v1/tasks/nope/pause")).status).toBe(404);
  });

  it("triggers a run (trigger api) whose run.started the event stream delivers, with its journal id, and records it", async () => {
    const stream = await openStream(base);
    try {
      // A JSON content type with no body, as many clients send it, is a plain request.
      const triggered = await api().post("/v1/tasks/quick/trigger", undefined, { "content-type": "application/json" });
      expect(triggered.status).toBe(202);
      const id = triggered.json.id as number;
      expect(id).toBeGreaterThan(0);
      const started = await stream.until((e) => e.event === "run.started" && e.data.runId === id, `run.started of run ${id}`);
      expect(started.data).toMatchObject({ task: "quick", trigger: "api" });
      expect(Number(started.id)).toBeGreaterThan(0);
      expect(started.data.seq).toBe(Number(started.id));
      await stream.until((e) => e.event === "run.succeeded" && e.data.runId === id, `run.succeeded of run ${id}`);
      await stream.until((e) => e.event === "invocation.output" && e.data.runId === id && e.data.line === "hello", `run ${id}'s output line`);

      const run = await runUntil(api(), id, (r) => r.status === "succeeded", "to succeed");
      expect(run).toMatchObject({ id, task: "quick", trigger: "api", exitCode: 0, output: "hello" });
      const task = await api().get("/v1/tasks/quick");
      expect(task.json.lastRun).toMatchObject({ id, status: "succeeded" });

      // A client that reconnects with Last-Event-ID gets what came after it, from the journal.
      const resumed = await openStream(base, { "last-event-id": String(Number(started.id) - 1) });
      try {
        const replayed = await resumed.until((e) => e.id === started.id, "the replayed run.started");
        expect(replayed.data).toMatchObject({ runId: id, type: "run.started" });
        expect(resumed.events.every((e) => e.id === null || Number(e.id) >= Number(started.id))).toBe(true);
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
  });

  it("pauses a task (its fires are skipped, and `status` reads it from the store) and resumes it (it fires again)", async () => {
    const paused = await api().post("/v1/tasks/tick/pause");
    expect(paused.status).toBe(200);
    expect(paused.json).toEqual({ name: "tick", paused: true });
    expect((await api().get("/v1/tasks/tick")).json.paused).toBe(true);
    const mark = daemon.output.length;
    await waitFor(() => /\[tick#\d+\] skipped: paused/.test(daemon.output.slice(mark)), { timeoutMs: 10_000, what: `a paused fire of tick\n${daemon.output.slice(mark)}` });
    const status = await runCli(["status", "--json"], { cwd: project.dir });
    expect((JSON.parse(status.stdout) as Array<{ name: string; paused: boolean }>).find((t) => t.name === "tick")?.paused).toBe(true);

    const resumed = await api().post("/v1/tasks/tick/resume");
    expect(resumed.json).toEqual({ name: "tick", paused: false });
    expect((await api().get("/v1/tasks/tick")).json.paused).toBe(false);
    const after = daemon.output.length;
    await waitFor(() => /\[tick#\d+\] succeeded/.test(daemon.output.slice(after)), { timeoutMs: 10_000, what: "tick to fire again after resume" });
  });

  it("POST /v1/runs {url, delay: 1} GETs the URL about a second later, and GET /v1/runs/:id shows it succeed (seed 000's flow)", async () => {
    const before = Date.now();
    const created = await api().post("/v1/runs", { url: `${server.url}/ping?from=api`, delay: 1 });
    expect(created.status).toBe(201);
    const id = created.json.id as number;
    expect(created.json).toMatchObject({ task: `once:${server.url}/ping?from=api` });
    const due = Date.parse(created.json.dueAt as string);
    expect(due).toBeGreaterThanOrEqual(before + 1_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 1_000);

    expect((await api().get(`/v1/runs/${id}`)).json).toMatchObject({ status: "pending", trigger: "once" });
    const run = await runUntil(api(), id, (r) => r.status === "succeeded", "to succeed");
    expect(Date.parse(run.startedAt!)).toBeGreaterThanOrEqual(due);
    expect(run.http).toMatchObject({ status: 200, body: "pong" });
    expect(server.hits.filter((h) => h === "GET /ping?from=api")).toHaveLength(1);

    // A duration string, and a time, work too; a one-off not yet due can be cancelled.
    const later = await api().post("/v1/runs", { url: `${server.url}/later`, delay: "1h" });
    expect(later.status).toBe(201);
    const at = await api().post("/v1/runs", { url: `${server.url}/at`, at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(at.status).toBe(201);
    expect((await api().post(`/v1/runs/${later.json.id}/cancel`)).status).toBe(202);
    expect((await api().get(`/v1/runs/${later.json.id}`)).json.status).toBe("cancelled");
    expect((await api().post(`/v1/runs/${at.json.id}/cancel`)).status).toBe(202);
  });

  it("runs a one-off script with its parameters, as `orchestrate schedule --script` does", async () => {
    const created = await api().post("/v1/runs", { script: "args.sh", params: [["flag", "a value; rm -rf / $(id)"]] });
    expect(created.status).toBe(201);
    const run = await runUntil(api(), created.json.id, (r) => r.status === "succeeded" || r.status === "failed", "to end");
    expect(run).toMatchObject({ status: "succeeded", task: `once:${project.path("args.sh")}`, output: "--flag\na value; rm -rf / $(id)" });
  });

  it("refuses malformed requests with 400 and a message naming the field", async () => {
    const cases: Array<[unknown, RegExp, string]> = [
      [{ dealy: 1, url: server.url }, /^body\.dealy: is not a field this endpoint takes$/, "body.dealy"],
      [{ url: { href: "x" } }, /body\.url: must be string/, "body.url"],
      [{ url: server.url, delay: "soon" }, /body\.delay: "soon" is not a number of seconds or a duration/, "body.delay"],
      [{ url: server.url, at: "tomorrow-ish" }, /body\.at: .* is not a time/, "body.at"],
      [{ url: server.url, delay: 1, at: new Date().toISOString() }, /delay or at, not both/, "body.delay"],
      [{}, /exactly one of url or script/, "body"],
      [{ url: "ftp://example.com/x" }, /body\.url: /, "body.url"],
      [{ script: "missing.sh" }, /body\.script: .*missing\.sh/, "body.script"],
      [{ script: "report.sh", type: "cobol" }, /body\.type: must be equal to one of the allowed values/, "body.type"],
      [{ script: "report.sh", params: [["only-a-key"]] }, /body\.params\.0: /, "body.params.0"],
    ];
    for (const [body, message, field] of cases) {
      const response = await api().post("/v1/runs", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error, JSON.stringify(body)).toMatch(message);
      expect(response.json.field, JSON.stringify(body)).toBe(field);
    }
    expect((await api().post("/v1/runs", "")).json).toMatchObject({ field: "body" });
    const notJson = await api().post("/v1/runs", "{ not json");
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/JSON/);
    const badStatus = await api().post("/v1/runs/1/messages", { status: "weird" });
    expect(badStatus).toMatchObject({ status: 400, json: { field: "body.status" } });
    const empty = await api().post("/v1/runs/1/messages", {});
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatch(/message, status, or both/);
    const badQuery = await api().get("/v1/runs?limit=lots");
    expect(badQuery).toMatchObject({ status: 400, json: { field: "query.limit" } });
    expect((await api().get("/v1/runs?status=happy")).json.field).toBe("query.status");
    expect((await api().get("/v1/runs/abc")).json.field).toBe("params.id");
    const huge = await api().post("/v1/runs", { url: `${server.url}/${"x".repeat(70_000)}` });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toBeTypeOf("string");
  });

  it("answers 404 as JSON for unknown runs and routes", async () => {
    for (const [method, path] of [
      ["GET", "/v1/runs/999999"],
      ["POST", "/v1/runs/999999/cancel"],
      ["POST", "/v1/runs/999999/messages"],
      ["GET", "/v1/nothing"],
      ["DELETE", "/v1/tasks"],
    ] as const) {
      const result =
        method === "GET"
          ? await api().get(path)
          : method === "POST"
            ? await api().post(path, path.endsWith("messages") ? { message: "hi" } : undefined)
            : await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, any> }));
      expect(result.status, `${method} ${path}`).toBe(404);
      expect(result.json.error, `${method} ${path}`).toMatch(/no run 999999|no such endpoint/);
    }
  });

  it("takes messages on a running run (a script's own report token opens only its run), and cancels it; a finished run is 409", async () => {
    const reporter = await api().post("/v1/tasks/reporter/trigger");
    const reported = await runUntil(api(), reporter.json.id, (r) => r.status === "succeeded", "to succeed");
    expect(reported.messages).toMatchObject([{ status: "running", message: "through the API" }]);
    const reportToken = readFileSync(project.path("report-token"), "utf8");
    expect(reportToken.length).toBeGreaterThan(20);

    const slow = await api().post("/v1/tasks/slow/trigger");
    expect(slow.json.status).toBe("running");
    const id = slow.json.id as number;
    await runUntil(api(), id, (r) => r.status === "running", "to run");
    // Another run's report token opens nothing else: not this run, not the rest of the API.
    expect((await client(base, reportToken).post(`/v1/runs/${id}/messages`, { message: "not mine" })).status).toBe(401);
    expect((await client(base, reportToken).get("/v1/tasks")).status).toBe(401);

    const message = await api().post(`/v1/runs/${id}/messages`, { message: "operator was here", status: "running" });
    expect(message.status).toBe(202);
    await runUntil(api(), id, (r) => r.messages.some((m) => m.message === "operator was here"), "to show the message");

    const cancelled = await api().post(`/v1/runs/${id}/cancel`);
    expect(cancelled).toMatchObject({ status: 202, json: { id, cancelled: true } });
    await runUntil(api(), id, (r) => r.status === "cancelled", "to be cancelled");
    const again = await api().post(`/v1/runs/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatch(/cancelled/);
    const late = await api().post(`/v1/runs/${id}/messages`, { message: "too late" });
    expect(late.status).toBe(409);
  });

  it("pages through runs with a cursor, filtered by task and status", async () => {
    for (let i = 0; i < 3; i++) {
      const { json } = await api().post("/v1/tasks/quick/trigger");
      await runUntil(api(), json.id, (r) => r.status === "succeeded", "to succeed");
    }
    const all = (await api().get("/v1/runs?task=quick&status=succeeded&limit=1000")).json.runs as RunRecord[];
    expect(all.length).toBeGreaterThanOrEqual(4);
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const page = await api().get(`/v1/runs?task=quick&status=succeeded&limit=2${cursor === null ? "" : `&before=${cursor}`}`);
      expect(page.status).toBe(200);
      const runs = page.json.runs as RunRecord[];
      expect(runs.length).toBeLessThanOrEqual(2);
      expect(runs.every((r) => r.task === "quick" && r.status === "succeeded")).toBe(true);
      seen.push(...runs.map((r) => r.id));
      cursor = page.json.next as number | null;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((r) => r.id));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it("lists runs of a time window, and as summaries without their output (what the dashboard's lists read)", async () => {
    const { json } = await api().post("/v1/tasks/quick/trigger");
    const run = await runUntil(api(), json.id, (r) => r.status === "succeeded", "to succeed");
    const at = Date.parse(run.startedAt!);
    const iso = (ms: number) => new Date(ms).toISOString();
    const ids = async (query: string) => ((await api().get(`/v1/runs?task=quick&limit=1000&${query}`)).json.runs as RunRecord[]).map((r) => r.id);
    expect(await ids(`since=${iso(at)}`)).toContain(run.id);
    expect(await ids(`since=${iso(at + 1)}`)).not.toContain(run.id);
    expect(await ids(`until=${iso(at + 1)}`)).toContain(run.id);
    expect(await ids(`until=${iso(at)}`)).not.toContain(run.id);
    const bad = await api().get("/v1/runs?since=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ field: "query.since", error: expect.stringMatching(/not a time/) });

    const summary = (await api().get(`/v1/runs?task=quick&limit=1&view=summary`)).json.runs[0] as Record<string, unknown>;
    expect(summary).toMatchObject({ id: run.id, task: "quick", status: "succeeded", startedAt: run.startedAt, finishedAt: run.finishedAt, steps: [] });
    for (const field of ["output", "invocations", "messages", "notifications", "http"]) expect(summary, field).not.toHaveProperty(field);
  });

  it("gives each task its last N runs, briefly, with ?recent=N, newest first", async () => {
    const plain = (await api().get("/v1/tasks")).json.tasks as Array<Record<string, unknown>>;
    expect(plain[0]).not.toHaveProperty("recentRuns");
    const tasks = (await api().get("/v1/tasks?recent=2")).json.tasks as Array<{ name: string; recentRuns: Array<Record<string, any>> }>;
    const quick = tasks.find((t) => t.name === "quick")!;
    const newest = (await api().get("/v1/runs?task=quick&limit=2")).json.runs as RunRecord[];
    expect(quick.recentRuns.map((r) => r.id)).toEqual(newest.map((r) => r.id));
    expect(Object.keys(quick.recentRuns[0]!).sort()).toEqual(["finishedAt", "id", "scheduledAt", "startedAt", "status", "trigger"]);
    expect(quick.recentRuns[0]).toMatchObject({ status: newest[0]!.status, startedAt: newest[0]!.startedAt });
    expect(quick).toHaveProperty("lastRun.output");
    const summarised = (await api().get("/v1/tasks?view=summary")).json.tasks as Array<{ name: string; lastRun: Record<string, unknown> | null }>;
    expect(summarised.find((t) => t.name === "quick")!.lastRun).toMatchObject({ id: newest[0]!.id, status: "succeeded" });
    expect(summarised.find((t) => t.name === "quick")!.lastRun).not.toHaveProperty("output");
    expect(tasks.find((t) => t.name === "hourly")!.recentRuns).toEqual([]);
    expect((await api().get("/v1/tasks?recent=101")).status).toBe(400);
  });

  it("takes the token as ?token= on the event stream only (a browser's EventSource cannot send headers)", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${base}/v1/events?token=${encodeURIComponent(TOKEN)}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();
    expect((await client(base, null).get(`/v1/events?token=${TOKEN}x`)).status).toBe(401);
    expect((await client(base, null).get(`/v1/events?token=`)).status).toBe(401);
    for (const path of ["/v1/tasks", "/v1/runs", "/metrics"]) expect((await client(base, null).get(`${path}?token=${TOKEN}`)).status, path).toBe(401);
  });

  it("serves the dashboard's page without the token (it holds no data), and 401 for data", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/<div id="app">/);
    expect((await client(base, null).get("/v1/tasks?recent=30")).status).toBe(401);
  });

  it("serves metrics that a Prometheus parser (and promtool, where installed) accepts", async () => {
    const quick = await api().post("/v1/tasks/quick/trigger");
    await runUntil(api(), quick.json.id, (r) => r.status === "succeeded", "to succeed");
    const response = await api().get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(response.text) as Array<{ name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string; count?: string }> }>;
    const family = (name: string) => {
      const found = families.find((f) => f.name === name);
      expect(found, name).toBeDefined();
      return found!;
    };
    expect(family("orchestrate_runs_total").type).toBe("COUNTER");
    const quickRuns = family("orchestrate_runs_total").metrics.find((m) => m.labels?.task === "quick" && m.labels.status === "succeeded");
    expect(Number(quickRuns?.value)).toBeGreaterThanOrEqual(1);
    // This parser folds a histogram's label sets into one set of buckets: its type and buckets are what it can tell.
    for (const name of ["orchestrate_run_duration_seconds", "orchestrate_fire_lag_seconds"]) {
      expect(family(name).type, name).toBe("HISTOGRAM");
      const buckets = (family(name).metrics[0] as { buckets?: Record<string, string> }).buckets ?? {};
      expect(Number(buckets["+Inf"]), name).toBeGreaterThanOrEqual(1);
    }
    const next = family("orchestrate_next_fire_timestamp_seconds").metrics.find((m) => m.labels?.task === "hourly");
    expect(Number(next?.value) % 3600).toBe(0);
    expect(family("orchestrate_runs_running").type).toBe("GAUGE");
    // Counted once the receiver has answered: wait for the count, not for the request.
    const delivered = async () => {
      const parsed = parsePrometheusTextFormat((await api().get("/metrics")).text) as typeof families;
      const sample = parsed.find((f) => f.name === "orchestrate_webhook_deliveries_total")?.metrics.find((m) => m.labels?.destination === `${server.url}/hook`);
      return Number(sample?.value ?? 0);
    };
    await waitFor(async () => (await delivered()) >= 1, { timeoutMs: 10_000, what: "a delivery to quick's webhook counted" });
    expect(server.hits).toContain("POST /hook");
    for (const name of ["orchestrate_late_fires_total", "orchestrate_missed_fires_total", "orchestrate_webhook_deliveries_total", "orchestrate_webhook_failures_total", "orchestrate_store_write_retries_total"]) {
      expect(family(name).type, name).toBe("COUNTER");
    }

    const promtool = await promisify(execFile)("promtool", ["--version"]).then(
      () => true,
      () => false,
    );
    if (promtool) {
      const child = execFile("promtool", ["check", "metrics"]);
      const out: string[] = [];
      child.stdout!.on("data", (d: Buffer) => out.push(d.toString()));
      child.stderr!.on("data", (d: Buffer) => out.push(d.toString()));
      child.stdin!.end(response.text);
      const code = await withDeadline(new Promise<number | null>((resolve) => child.on("close", resolve)), 10_000, "promtool");
      // 3: lint remarks only. prom-client's own process metrics draw some (nodejs_active_handles_total is a gauge); ours must draw none.
      expect([0, 3], out.join("")).toContain(code);
      expect(out.join("").split("\n").filter((line) => line.startsWith("orchestrate_")), "promtool check metrics").toEqual([]);
    }
  });

  it("describes itself as OpenAPI, with the schemas that validate", async () => {
    const { status, json } = await api().get("/v1/openapi.json");
    expect(status).toBe(200);
    expect(json.openapi).toBe("3.1.0");
    expect(Object.keys(json.paths).sort()).toEqual(
      [
        "/healthz",
        "/metrics",
        "/v1/events",
        "/v1/openapi.json",
        "/v1/runs",
        "/v1/runs/{id}",
        "/v1/runs/{id}/cancel",
        "/v1/runs/{id}/messages",
        "/v1/tasks",
        "/v1/tasks/{name}",
        "/v1/tasks/{name}/pause",
        "/v1/tasks/{name}/resume",
        "/v1/tasks/{name}/trigger",
      ].sort(),
    );
    const newRun = json.paths["/v1/runs"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(newRun.properties)).toEqual(expect.arrayContaining(["url", "script", "delay", "at"]));
    expect(newRun.additionalProperties).toBe(false);
    expect(json.paths["/healthz"].get.security).toEqual([]);
    expect(json.paths["/v1/runs"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["task", "status", "limit", "before", "since", "until", "view"]);
    expect(json.paths["/v1/tasks"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["recent", "view"]);
    expect(json.paths["/v1/events"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["after", "token"]);
  });
});

describe("an API without a token", () => {
  it("serves on loopback with `run --api HOST:PORT` and needs no token there; its scripts report through it", async () => {
    const port = await freePort();
    const p = tempProject({
      "orchestration.yaml": `state: ./state.db\ntasks:\n  say:\n    scripts: [ { path: say.sh } ]\n`,
      "say.sh": `#!/usr/bin/env bash\nset -e\nprintf '%s' "$ORCHESTRATE_API_URL" > api-url\n"$ORCHESTRATE_BIN" report --message hi\n`,
    });
    const d = new Daemon(["run", "--api", `127.0.0.1:${port}`], { cwd: p.dir });
    try {
      await d.waitForOutput(/API listening on http:\/\/127\.0\.0\.1:\d+ \(no token: loopback only\)/);
      await d.waitForOutput(/orchestrate is running/);
      const api = client(`http://127.0.0.1:${port}`, null);
      expect((await api.get("/v1/tasks")).status).toBe(200);
      const { json } = await api.post("/v1/tasks/say/trigger");
      const run = await runUntil(api, json.id, (r) => r.status === "succeeded", "to succeed");
      expect(run.messages).toMatchObject([{ message: "hi" }]);
      expect(readFileSync(p.path("api-url"), "utf8")).toBe(`http://127.0.0.1:${port}`);

      // A stop with an event stream open: the daemon exits, and the stream ends.
      const response = await fetch(`http://127.0.0.1:${port}/v1/events`);
      expect(response.status).toBe(200);
      const drained = response.text();
      expect(await d.stop()).toBe(0);
      await withDeadline(drained.catch(() => ""), 10_000, "the event stream to end when the daemon stops");
    } finally {
      d.kill();
      p.cleanup();
    }
  });

  it("is refused at start beyond loopback, or on a port in use, with a clear message and no stack trace; a bad --api is a usage error", async () => {
    const port = await freePort();
    const p = tempProject({ "orchestration.yaml": `state: ./state.db\napi:\n  listen: 0.0.0.0:${port}\ntasks:\n  t:\n    command: "true"\n` });
    try {
      const refused = await runCli(["run"], { cwd: p.dir, timeoutMs: 20_000 });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/the API would listen on 0\.0\.0\.0, beyond this machine, without a token/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      const taken = createNetServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      try {
        const busy = await runCli(["run", "--api", `127.0.0.1:${(taken.address() as AddressInfo).port}`], { cwd: p.dir, timeoutMs: 20_000 });
        expect(busy.code).toBe(1);
        expect(busy.stderr).toMatch(/the API cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      } finally {
        await new Promise<void>((resolve) => taken.close(() => resolve()));
      }
      const bad = await runCli(["run", "--api", "localhost"], { cwd: p.dir, timeoutMs: 20_000 });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--api "localhost" is not HOST:PORT/);
    } finally {
      p.cleanup();
    }
  });

  it("is refused at start when token_env names a variable that is not set", async () => {
    const port = await freePort();
    const p = tempProject({ "orchestration.yaml": `state: ./state.db\napi:\n  listen: 127.0.0.1:${port}\n  token_env: NO_SUCH_TOKEN_VAR\ntasks:\n  t:\n    command: "true"\n` });
    try {
      const refused = await runCli(["run"], { cwd: p.dir, timeoutMs: 20_000 });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/api\.token_env is NO_SUCH_TOKEN_VAR, but that variable is not set/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    } finally {
      p.cleanup();
    }
  });
});
