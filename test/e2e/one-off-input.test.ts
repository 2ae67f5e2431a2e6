import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Daemon, runCli, tempProject, waitFor } from "../helpers/project.js";

describe("what orchestrate schedule is given is checked at once, and secrets in it are never shown", () => {
  let server: Server;
  let base = "";
  const authorizations: Array<string | undefined> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      const ok = req.headers.authorization === `Basic ${Buffer.from("deploy:s3cret pw").toString("base64")}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "text/plain" });
      res.end(ok ? "welcome" : "who are you?");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  const project = tempProject({
    "orchestration.yaml": `tasks:\n  by-hand:\n    command: "true"\n`,
    "echo-args.sh": `#!/usr/bin/env bash\nprintf '%s|' "$@"\n`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  const show = async (id: string) => JSON.parse((await cli("show", id, "--json")).stdout);

  it("a URL with user:password@ is sent as Basic auth, and the password appears in no output, log or record", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/orchestrate is running/);
    const url = `http://deploy:s3cret%20pw@${base}/hook`;
    const scheduled = await cli("schedule", "--url", url);
    expect(scheduled.code).toBe(0);
    const id = scheduled.stdout.trim();
    await waitFor(async () => (await show(id)).status === "succeeded", { what: `run ${id} to succeed` });
    const run = await show(id);
    expect(run).toMatchObject({ task: `once:http://deploy:***@${base}/hook`, attempts: 1, http: { status: 200 } });

    const everything = [scheduled.stdout, scheduled.stderr, daemon.output, JSON.stringify(run), (await cli("show", id)).stdout, (await cli("history")).stdout];
    everything.push((await cli("history", "--json")).stdout);
    for (const text of everything) expect(text).not.toMatch(/s3cret/);
    expect(await daemon.stop()).toBe(0);
  });

  it.each([
    ["a line break, which would forge log lines", `http://${"127.0.0.1"}/a\r\n2026-01-01 INFO forged`, "--url: the URL holds a control character (CR, LF, tab, NUL…), which would split or forge log lines"],
    ["an empty host", "http:///path", '--url: "http:///path" has no host'],
    ["credentials and no host", "https://user:pw@/", '--url: "https://user:***@/" has no host'],
    ["an impossible port", "http://example.com:99999/", '--url: "http://example.com:99999/" has port 99999, which is not a port (1-65535)'],
    ["port 0", "http://example.com:0/", '--url: "http://example.com:0/" has port 0, which is not a port (1-65535)'],
    ["another scheme", "ftp://example.com/", '--url: expected an http:// or https:// URL, got "ftp://example.com/"'],
  ])("a URL with %s is refused with exit 2, and nothing is scheduled", async (_what, url, message) => {
    const result = await cli("schedule", "--url", url);
    expect(result).toMatchObject({ code: 2, stdout: "", stderr: `orchestrate: ${message}\n` });
  });

  it("a script that does not exist is refused at once, exit 2", async () => {
    const result = await cli("schedule", "--script", "nope.sh");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`orchestrate: --script: script not found: ${project.path("nope.sh")}\n`);
  });

  it("a time in the past is said at once: the run is due now", async () => {
    const result = await cli("schedule", "--script", "echo-args.sh", "--at", "2020-01-01T00:00:00Z");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(result.stderr).toMatch(/^orchestrate: warning: --at 2020-01-01T00:00:00Z is in the past \(\d+d ago\): the run is due at once\n$/);
  });

  it("--param values are data: {{ … }} in them is passed as written, never expanded", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/orchestrate is running/);
    const scheduled = await cli("schedule", "--script", "echo-args.sh", "--param", "a={{ nope }}", "--param", "b={{ env.PATH }}");
    const id = scheduled.stdout.trim();
    await waitFor(async () => (await show(id)).status === "succeeded", { what: `run ${id} to succeed` });
    const run = await show(id);
    expect(run.output).toBe("--a|{{ nope }}|--b|{{ env.PATH }}|");
    expect(run.invocations[0].params).toEqual([
      ["a", "{{ nope }}"],
      ["b", "{{ env.PATH }}"],
    ]);
    expect(await daemon.stop()).toBe(0);
  });

  it("--json prints the id, the task name and when it is due", async () => {
    const result = await cli("schedule", "--url", `http://deploy:pw@${base}/later`, "--at", "2099-01-01T00:00:00Z", "--json");
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual({ id: expect.any(Number), task: `once:http://deploy:***@${base}/later`, dueAt: "2099-01-01T00:00:00.000Z" });
  });
});
