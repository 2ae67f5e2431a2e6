/**
 * `http:` tasks against a real server on 127.0.0.1, driven through the built CLI: what a user sees
 * in `trigger`, `show --json` and `history --json` when the endpoint answers, fails, hangs,
 * redirects or floods.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/types.js";
import { historyOf, runCli, tempProject } from "../helpers/project.js";

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Route = (request: ReceivedRequest, respond: (status: number, body?: string, headers?: Record<string, string>) => void) => void;

/** A server whose answers are routes by path; it records every request it receives. */
async function startServer(routes: Record<string, Route>): Promise<{ server: Server; origin: string; received: ReceivedRequest[] }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(request);
      const route = routes[new URL(request.url, "http://x").pathname];
      if (!route) return void res.writeHead(404).end("no such route");
      route(request, (status, body = "", headers = {}) => res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections(); // the hanging route keeps its request open on purpose
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on: one the kernel just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `trigger NAME`, then the run it recorded, read back with `show ID --json`. */
async function trigger(dir: string, task: string): Promise<{ code: number | null; run: RunRecord; stderr: string }> {
  const result = await runCli(["trigger", task], { cwd: dir });
  const runs = await historyOf(dir, [task]);
  const latest = runs[runs.length - 1];
  if (!latest) throw new Error(`no run of ${task} recorded\n${result.stdout}\n${result.stderr}`);
  const show = await runCli(["show", String(latest.id), "--json"], { cwd: dir });
  expect(show.code).toBe(0);
  const run = JSON.parse(show.stdout) as RunRecord;
  expect(run).toEqual(latest); // `show --json` and `history --json` print the same record
  return { code: result.code, run, stderr: result.stderr };
}

const OUTPUT_LIMIT = 16 * 1024;
/** 5.1 MB of "line 000000 ✓\n" (16 bytes; the tick is 3), ending so that the last OUTPUT_LIMIT bytes begin inside a tick. */
const BIG_BODY_LINES = 320_000;
const BIG_BODY_END = "END OF BODY✓";
const BIG_BODY = Array.from({ length: BIG_BODY_LINES }, (_, i) => `line ${String(i).padStart(6, "0")} ✓\n`).join("") + BIG_BODY_END;

describe("http tasks", () => {
  let main: Awaited<ReturnType<typeof startServer>>;
  let other: Awaited<ReturnType<typeof startServer>>;
  let project: ReturnType<typeof tempProject>;
  let flakyCalls = 0;

  beforeAll(async () => {
    other = await startServer({
      "/landing": (_req, respond) => respond(200, "landed on the other port"),
    });
    main = await startServer({
      "/flaky": (_req, respond) => (++flakyCalls <= 2 ? respond(500, `broken ${flakyCalls}`) : respond(200, "healthy after all")),
      "/down": (_req, respond) => respond(503, "down for maintenance"),
      "/hang": () => {}, // never answers
      "/ok": (_req, respond) => respond(200, "ok"),
      "/slow": (_req, respond) => void setTimeout(() => respond(200, "worth the wait"), 200),
      "/to-https": (_req, respond) => respond(301, "moved", { location: main.origin.replace("http:", "https:") + "/ok" }),
      "/moved": (_req, respond) => respond(302, "see /ok", { location: "/ok" }),
      "/to-other-port": (_req, respond) => respond(307, "", { location: `${other.origin}/landing` }),
      "/submit": (_req, respond) => respond(303, "", { location: "/thanks" }),
      "/thanks": (_req, respond) => respond(200, "thanks"),
      "/loop": (_req, respond) => respond(302, "", { location: "/loop" }),
      "/to-hang": (_req, respond) => respond(307, "", { location: "/hang" }),
      "/echo": (req, respond) => respond(201, `got ${req.method} with ${req.body.length} bytes`),
      "/big": (_req, respond) => respond(200, BIG_BODY),
    });
    const refused = await closedPort();
    project = tempProject({
      "orchestration.yaml": `
history:
  output_limit: ${OUTPUT_LIMIT}
defaults:
  retry_delay: 50ms
tasks:
  flaky:
    http: { url: "${main.origin}/flaky" }
  down:
    http: { url: "${main.origin}/down" }
  hangs:
    retries: 0
    http: { url: "${main.origin}/hang", timeout: 300ms }
  patient:
    retries: 0
    http: { url: "${main.origin}/slow", timeout: 30d }
  wants-204:
    retries: 0
    http: { url: "${main.origin}/ok", expect: [204] }
  to-https:
    retries: 0
    http: { url: "${main.origin}/to-https" }
  expects-redirect:
    retries: 0
    http: { url: "${main.origin}/to-https", expect: [301] }
  moved:
    retries: 0
    http: { url: "${main.origin}/moved" }
  to-other-port:
    retries: 0
    http:
      url: "${main.origin}/to-other-port"
      headers: { Authorization: "Bearer s3cret", Cookie: "session=abc", X-Trace: "t-1" }
  submit:
    retries: 0
    http:
      url: "${main.origin}/submit"
      method: POST
      headers: { Content-Type: application/json, X-Api-Key: "k-123" }
      body: '{"form": 1}'
  loop:
    retries: 0
    http: { url: "${main.origin}/loop" }
  redirected-to-hang:
    retries: 0
    http: { url: "${main.origin}/to-hang", timeout: 300ms }
  refused:
    retries: 0
    http: { url: "http://127.0.0.1:${refused}/health", timeout: 5s }
  post:
    retries: 0
    http:
      url: "${main.origin}/echo?source=orchestrate"
      method: post
      headers:
        Content-Type: application/json
        X-Api-Key: "k-123"
        X-Build: 007
      body: '{"hello": "world", "n": 1}'
      expect: 201
  big:
    retries: 0
    http: { url: "${main.origin}/big", timeout: 20s }
`,
    });
  });

  afterAll(async () => {
    project?.cleanup();
    await stopServer(main?.server);
    await stopServer(other?.server);
  });

  it("a server that answers 500 twice and then 200 gives 3 attempts, succeeded, status 200 and the body", async () => {
    const { code, run } = await trigger(project.dir, "flaky");
    expect(code).toBe(0);
    expect(run).toMatchObject({ task: "flaky", trigger: "manual", status: "succeeded", attempts: 3, error: null });
    expect(run.http).toMatchObject({ status: 200, body: "healthy after all" });
    expect(run.http!.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(run.invocations).toHaveLength(1);
    expect(run.invocations[0]).toMatchObject({ target: `GET ${main.origin}/flaky`, status: "succeeded", attempts: 3 });
    expect(main.received.filter((r) => r.url === "/flaky")).toHaveLength(3);
  });

  it("a server that always answers 503 gives 4 attempts (3 retries by default), failed, and an error naming 503", async () => {
    const { code, run } = await trigger(project.dir, "down");
    expect(code).toBe(1);
    expect(run).toMatchObject({ status: "failed", attempts: 4 });
    expect(run.error).toBe(`GET ${main.origin}/down: HTTP 503 Service Unavailable (expected 2xx)`);
    expect(run.http).toMatchObject({ status: 503, body: "down for maintenance" });
    expect(main.received.filter((r) => r.url === "/down")).toHaveLength(4);
  });

  it("a server that never answers fails at the task's http timeout with a clear 'timed out'", async () => {
    const { code, run } = await trigger(project.dir, "hangs");
    expect(code).toBe(1);
    expect(run).toMatchObject({ status: "failed", attempts: 1, http: null });
    expect(run.error).toBe(`GET ${main.origin}/hang: timed out after 300ms`);
    const tookMs = Date.parse(run.finishedAt!) - Date.parse(run.startedAt!);
    expect(tookMs).toBeGreaterThanOrEqual(300);
    expect(tookMs).toBeLessThan(3_000);
  });

  it("a timeout longer than a timer can hold (30d) still waits for the answer", async () => {
    const { code, run, stderr } = await trigger(project.dir, "patient");
    expect(code).toBe(0);
    expect(run).toMatchObject({ status: "succeeded", http: { status: 200, body: "worth the wait" } });
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
  });

  it("expect: [204] against a 200 fails, saying what was expected", async () => {
    const { code, run } = await trigger(project.dir, "wants-204");
    expect(code).toBe(1);
    expect(run.status).toBe("failed");
    expect(run.error).toBe(`GET ${main.origin}/ok: HTTP 200 OK (expected 204)`);
    expect(run.http).toMatchObject({ status: 200, body: "ok" });
  });

  it("a redirect from http to https is not followed, and says so", async () => {
    const before = main.received.length;
    const { code, run } = await trigger(project.dir, "to-https");
    expect(code).toBe(1);
    expect(run.status).toBe("failed");
    const target = `${main.origin.replace("http:", "https:")}/ok`;
    expect(run.error).toBe(`GET ${main.origin}/to-https: redirected from ${main.origin}/to-https to ${target}, a different scheme: not followed`);
    expect(run.http).toMatchObject({ status: 301, headers: { location: target }, body: "moved" });
    expect(main.received.slice(before).map((r) => r.url)).toEqual(["/to-https"]);
  });

  it("a redirect that expect names is the answer: a check that http:// sends users to https:// passes", async () => {
    const before = main.received.length;
    const { code, run } = await trigger(project.dir, "expects-redirect");
    expect(code).toBe(0);
    expect(run).toMatchObject({ status: "succeeded", error: null });
    expect(run.http).toMatchObject({ status: 301, headers: { location: `${main.origin.replace("http:", "https:")}/ok` }, body: "moved" });
    expect(main.received.slice(before).map((r) => r.url)).toEqual(["/to-https"]);
  });

  it("a redirect within the same scheme is followed to its answer", async () => {
    const before = main.received.length;
    const { code, run } = await trigger(project.dir, "moved");
    expect(code).toBe(0);
    expect(run).toMatchObject({ status: "succeeded", attempts: 1, error: null, http: { status: 200, body: "ok" } });
    expect(main.received.slice(before).map((r) => r.url)).toEqual(["/moved", "/ok"]);
  });

  it("a redirect to another origin is followed without the credentials meant for the first one", async () => {
    const { code, run } = await trigger(project.dir, "to-other-port");
    expect(code).toBe(0);
    expect(run.http).toMatchObject({ status: 200, body: "landed on the other port" });
    const first = main.received.find((r) => r.url === "/to-other-port")!;
    expect(first.headers).toMatchObject({ authorization: "Bearer s3cret", cookie: "session=abc", "x-trace": "t-1" });
    const [landed] = other.received;
    expect(landed!.url).toBe("/landing");
    expect(landed!.headers["x-trace"]).toBe("t-1");
    expect(landed!.headers.authorization).toBeUndefined();
    expect(landed!.headers.cookie).toBeUndefined();
  });

  it("a POST answered with 303 See Other is followed with a GET, without the body", async () => {
    const { code, run } = await trigger(project.dir, "submit");
    expect(code).toBe(0);
    expect(run.http).toMatchObject({ status: 200, body: "thanks" });
    const submitted = main.received.find((r) => r.url === "/submit")!;
    expect(submitted).toMatchObject({ method: "POST", body: '{"form": 1}' });
    const followed = main.received.find((r) => r.url === "/thanks")!;
    expect(followed).toMatchObject({ method: "GET", body: "" });
    expect(followed.headers["content-type"]).toBeUndefined();
    expect(followed.headers["x-api-key"]).toBe("k-123");
  });

  it("a redirect loop gives up after 5 redirects, saying so", async () => {
    const before = main.received.length;
    const { code, run } = await trigger(project.dir, "loop");
    expect(code).toBe(1);
    expect(run.error).toBe(`GET ${main.origin}/loop: more than 5 redirects, last to ${main.origin}/loop`);
    expect(main.received.slice(before).map((r) => r.url)).toEqual(Array(6).fill("/loop"));
  });

  it("a timeout after a redirect names where the request had gone", async () => {
    const { code, run } = await trigger(project.dir, "redirected-to-hang");
    expect(code).toBe(1);
    expect(run.error).toBe(`GET ${main.origin}/to-hang: timed out after 300ms (redirected to GET ${main.origin}/hang)`);
  });

  it("a connection refused fails with a message saying so", async () => {
    const { code, run } = await trigger(project.dir, "refused");
    expect(code).toBe(1);
    expect(run).toMatchObject({ status: "failed", attempts: 1, http: null });
    expect(run.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/health: connection to 127\.0\.0\.1:\d+ refused$/);
  });

  it("method, headers and body are sent as configured", async () => {
    const { code, run } = await trigger(project.dir, "post");
    expect(code).toBe(0);
    expect(run).toMatchObject({ status: "succeeded", http: { status: 201, body: "got POST with 26 bytes" } });
    const sent = main.received.find((r) => r.url.startsWith("/echo"))!;
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("/echo?source=orchestrate");
    expect(sent.headers).toMatchObject({ "content-type": "application/json", "x-api-key": "k-123", "x-build": "007" });
    expect(sent.body).toBe('{"hello": "world", "n": 1}');
  });

  it("a 5 MB answer keeps only its tail, within history.output_limit", async () => {
    const bytes = Buffer.from(BIG_BODY);
    expect(bytes[bytes.length - OUTPUT_LIMIT]! & 0xc0).toBe(0x80); // a naive byte cut would split a character
    const { code, run } = await trigger(project.dir, "big");
    expect(code).toBe(0);
    const body = run.http!.body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(Buffer.byteLength(body)).toBeGreaterThan(OUTPUT_LIMIT - 16);
    expect(body.endsWith(`line ${String(BIG_BODY_LINES - 1).padStart(6, "0")} ✓\n${BIG_BODY_END}`)).toBe(true);
    expect(body).not.toContain("line 000000 ");
    expect(body).not.toContain("\uFFFD"); // not cut inside a character
    expect(Buffer.byteLength(run.output)).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(run.output.endsWith(BIG_BODY_END)).toBe(true);
  });
});
