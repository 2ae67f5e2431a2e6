/**
 * Notifications (SPEC §3 `notify:`) to a real local receiver: signed webhook bodies in order, a
 * failure with its error, a deadline, a command with the event on its stdin, a heartbeat, and a
 * receiver that never answers, which must delay nothing.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { historyOf, linesOf, runCli, waitFor, scratchPerTest } from "../helpers/project.js";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: Record<string, unknown>;
}

/** A webhook receiver; `hang` paths are never answered. */
async function receiver(options: { hang?: boolean } = {}) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body, json: body ? JSON.parse(body) : {} });
      if (options.hang) return; // never answers
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())), server };
}

const { project, daemon, defer } = scratchPerTest();
/** How a receiver checks a signature (README): HMAC-SHA256 of "<t>.<body>", and a recent t. */
function verified(secret: string, header: string | string[] | undefined, body: string): boolean {
  const [t, v1] = String(header).split(",").map((part) => part.split("=")[1]);
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return v1 === expected && Math.abs(Date.now() / 1000 - Number(t)) < 300;
}

describe("a webhook", () => {
  it("gets started then succeeded for a run that succeeds, and failed with its error for one that fails, each signed", async () => {
    const hook = await receiver();
    defer(hook.close);
    const p = project({
      "orchestration.yaml": `
notify:
  - webhook: ${hook.url}/hook
    secret_env: HOOK_SECRET
    events: [started, succeeded, failed]
tasks:
  good: { command: "echo fine" }
  bad: { command: "echo broken >&2; exit 4" }
`,
    });
    const env = { HOOK_SECRET: "s3cret" };
    expect((await runCli(["trigger", "good"], { cwd: p.dir, env })).code).toBe(0);
    expect((await runCli(["trigger", "bad"], { cwd: p.dir, env })).code).toBe(1);
    await waitFor(() => hook.received.length >= 4, { what: "four notifications" });
    const [goodRun, badRun] = await historyOf(p.dir);
    expect(hook.received.map((r) => [r.json.event, r.json.task, r.json.runId])).toEqual([
      ["run.started", "good", goodRun!.id],
      ["run.succeeded", "good", goodRun!.id],
      ["run.started", "bad", badRun!.id],
      ["run.failed", "bad", badRun!.id],
    ]);
    const failed = hook.received[3]!.json;
    expect(failed).toMatchObject({ status: "failed", trigger: "manual", exitCode: 4, error: "echo broken >&2; exit 4: exited with code 4" });
    expect(typeof failed.host).toBe("string");
    for (const r of hook.received) {
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-orchestrate-event"]).toBe(r.json.event);
      expect(verified("s3cret", r.headers["x-orchestrate-signature"], r.body)).toBe(true);
    }
    // The deliveries are kept with each run.
    const [shown] = await historyOf(p.dir, ["bad"]);
    expect(shown!.notifications.map((n) => [n.event, n.status])).toEqual([
      ["run.started", "delivered"],
      ["run.failed", "delivered"],
    ]);
  });

  it("that never answers delays no fire: a per-second task keeps its rhythm, and the notifications give up after their attempts", async () => {
    const hung = await receiver({ hang: true });
    defer(() => {
      hung.server.closeAllConnections();
      return hung.close();
    });
    const p = project({
      "orchestration.yaml": `
notify:
  - webhook: ${hung.url}/hook
    timeout: 1s
tasks:
  tick:
    cron: "* * * * * *"
    scripts: [ { path: tick.sh } ]
`,
      "tick.sh": `#!/usr/bin/env bash\necho "$ORCHESTRATE_SCHEDULED_AT $(date +%s%3N)" >> ticks.txt\n`,
    });
    const d = daemon(["run"], p.dir);
    await waitFor(() => linesOf(p.path("ticks.txt")).length >= 6, { what: "six ticks", timeoutMs: 20_000 });
    const lags = linesOf(p.path("ticks.txt")).map((line) => {
      const [slot, ranAt] = line.split(" ");
      return Number(ranAt) - Date.parse(slot!);
    });
    expect(Math.max(...lags)).toBeLessThan(1_000);
    await d.waitForOutput(/could not notify http:\/\/127\.0\.0\.1:\d+\/hook of run\.\w+ after 5 attempt\(s\): no answer within 1s/, 30_000);
    expect(await d.stop(30_000)).toBe(0);
  });

  it("gets run.late once when a run outlasts its deadline", async () => {
    const hook = await receiver();
    defer(hook.close);
    const p = project({
      "orchestration.yaml": `
notify:
  - webhook: ${hook.url}/late
    events: [late]
tasks:
  slow:
    delay: 0s
    deadline: 2s
    command: "sleep 5"
`,
    });
    const d = daemon(["run"], p.dir);
    await waitFor(() => hook.received.length >= 1, { what: "the late notification" });
    await d.waitForOutput(/\[slow#\d+\] succeeded/, 20_000);
    expect(await d.stop()).toBe(0);
    expect(hook.received.map((r) => [r.json.event, r.json.task])).toEqual([["run.late", "slow"]]);
  });
});

describe("a command", () => {
  it("gets the event as JSON on its stdin, only for the events it asks for", async () => {
    const p = project({
      "orchestration.yaml": `
notify:
  - command: "cat >> events.jsonl; echo >> events.jsonl"
    events: [failed]
tasks:
  bad: { command: "exit 2" }
  good: { command: "true" }
`,
    });
    await runCli(["trigger", "good"], { cwd: p.dir });
    await runCli(["trigger", "bad"], { cwd: p.dir });
    const events = linesOf(p.path("events.jsonl")).map((line) => JSON.parse(line));
    expect(events.map((e) => [e.event, e.task, e.exitCode])).toEqual([["run.failed", "bad", 2]]);
  });
});

describe("a heartbeat", () => {
  it("pings every `every` while the daemon runs, and stops when it stops", async () => {
    const hook = await receiver();
    defer(hook.close);
    const p = project({ "orchestration.yaml": `notify:\n  - heartbeat: ${hook.url}/ping\n    every: 1s\ntasks:\n  idle: { command: "true" }\n` });
    const d = daemon(["run"], p.dir);
    await waitFor(() => hook.received.length >= 3, { what: "three pings" });
    expect(await d.stop()).toBe(0);
    const after = hook.received.length;
    const stoppedAt = Date.now();
    await waitFor(() => Date.now() - stoppedAt > 2_000, { what: "two seconds after the stop" });
    expect(hook.received.length).toBe(after);
    expect(hook.received.every((r) => r.path === "/ping")).toBe(true);
  });
});
