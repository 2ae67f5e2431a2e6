import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Daemon, runCli, tempProject, waitFor } from "../helpers/project.js";

describe("orchestrate schedule: one-off runs (seed 000's schedule and getResults)", () => {
  let server: Server;
  let base = "";
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const project = tempProject({ "orchestration.yaml": `tasks:\n  by-hand:\n    command: "true"\n` });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  const show = async (id: string) => {
    const result = await runCli(["show", id, "--json"], { cwd: project.dir });
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };

  it("prints an id at once; show says not run yet, then gives the result once the daemon ran it on time", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/orchestrate is running/);
    // Long enough for two `show`s to find it pending on a busy machine, where each takes a second.
    const scheduled = await runCli(["schedule", "--url", `${base}/first`, "--delay", "4"], { cwd: project.dir });
    expect(scheduled.code).toBe(0);
    const id = scheduled.stdout.trim();
    expect(id).toMatch(/^\d+$/);

    const human = await runCli(["show", id], { cwd: project.dir });
    expect(human.stdout).toMatch(/not run yet \(due at \d{4}-\d\d-\d\dT/);
    expect((await show(id)).status).toBe("pending");

    await waitFor(async () => (await show(id)).status === "succeeded", { timeoutMs: 15_000, what: `run ${id} to succeed` });
    const run = await show(id);
    expect(run).toMatchObject({ trigger: "once", status: "succeeded", attempts: 1, http: { status: 200 } });
    expect(JSON.parse(run.http.body)).toEqual({ ok: true, path: "/first" });
    // On time: started within a second of its due time.
    expect(Date.parse(run.startedAt) - Date.parse(run.scheduledAt)).toBeLessThan(1_000);
    expect(await daemon.stop()).toBe(0);
  });

  it("survives a daemon that starts only after the due time: it runs late, trigger once, marked late in the log", async () => {
    const scheduled = await runCli(["schedule", "--url", `${base}/late`, "--delay", "1"], { cwd: project.dir });
    const id = scheduled.stdout.trim();
    const due = Date.parse((await show(id)).scheduledAt);
    await waitFor(() => Date.now() > due + 1_500, { timeoutMs: 10_000, what: "the due time to pass" });
    expect((await show(id)).status).toBe("pending");

    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(new RegExp(`\\[once:${base.replace(/[/.]/g, "\\$&")}/late#${id}\\] one-off due at .* runs late`));
    await waitFor(async () => (await show(id)).status === "succeeded", { what: `run ${id} to succeed` });
    expect(await daemon.stop()).toBe(0);
    expect(hits.filter((h) => h === "/late")).toHaveLength(1);
  });

  it("runs a script one-off with its parameters", async () => {
    const script = tempProject({ "hello.sh": `#!/usr/bin/env bash\necho "hello $2"\n` });
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/orchestrate is running/);
    const scheduled = await runCli(["schedule", "--script", script.path("hello.sh"), "--param", "who=$(whoami)"], { cwd: project.dir });
    const id = scheduled.stdout.trim();
    await waitFor(async () => (await show(id)).status === "succeeded", { what: `run ${id} to succeed` });
    expect((await show(id)).output.trim()).toBe("hello $(whoami)");
    script.cleanup();
  });

  it("rejects bad usage with exit 2", async () => {
    expect((await runCli(["schedule", "--delay", "2"], { cwd: project.dir })).code).toBe(2);
    expect((await runCli(["schedule", "--url", "ftp://x", "--delay", "2"], { cwd: project.dir })).code).toBe(2);
    expect((await runCli(["schedule", "--url", `${base}/x`, "--delay", "soon"], { cwd: project.dir })).code).toBe(2);
  });
});
