/**
 * The web dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * daemon (the built CLI's `orchestrate run --api`) running real scripts: the tasks page and its
 * next fires, a run triggered from the page appearing live and finishing green, a failing run's
 * output and error, a workflow's graph, the runs page's filters and cursor, the timeline, and the
 * login when the API has a token. No request may leave 127.0.0.1. Screenshots of every page go to
 * test-artifacts/ (and, with UPDATE_DOCS_SCREENSHOTS=1, the README's two to docs/).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/types.js";
import { findChromium, launchChromium } from "../helpers/browser.js";
import { Daemon, tempProject, waitFor } from "../helpers/project.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ARTIFACTS = join(ROOT, "test-artifacts");
const DOCS = join(ROOT, "docs");
const TOKEN = "dashboard-test-token";
/** Every wait has a deadline; this one is for what a real run takes on a busy machine. */
const UI_TIMEOUT = 15_000;

const CHROMIUM = findChromium();
const IN_CI = process.env.CI === "true" || process.env.CI === "1";
if (!CHROMIUM && !IN_CI) console.warn("dashboard tests skipped: no Chromium (apt-get install chromium, or set ORCHESTRATE_CHROMIUM)");

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The daemon's configuration, with `api` (YAML lines) or without it (then `run --api` serves), and a webhook for hello's runs. */
const CONFIG = ({ api = "", hook = null }: { api?: string; hook?: string | null } = {}) => `
state: ./state.db
${api}
tasks:
  hello:
    description: says hello, slowly
    scripts: [ { path: hello.sh, params: { who: "the world" } } ]
${hook ? `    notify: [ { webhook: "${hook}", events: [succeeded] } ]` : ""}
  broken:
    description: fails on purpose
    scripts: [ { path: broken.sh } ]
  nightly:
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    command: echo nightly
workflows:
  pipeline:
    steps:
      extract: { command: "echo extracted", rollback: { command: "echo undone" } }
      transform: { depends_on: [extract], command: "echo transformed" }
      check: { depends_on: [extract], command: "echo checked" }
      load: { depends_on: [transform, check], command: "echo cannot load >&2; exit 4" }
`;

const FILES = {
  // Long enough to be seen running; the marker file says when it may end, so the test decides, not a timer.
  "hello.sh": `#!/usr/bin/env bash\nprintf 'hello %s\\n' "$2"\n"$ORCHESTRATE_BIN" report --message "halfway there"\nfor _ in $(seq 1 300); do [ -e release ] && break; sleep 0.05; done\nprintf '\\033[32mall good\\033[0m\\n'\n`,
  "broken.sh": `#!/usr/bin/env bash\nprintf 'about to fail: \\033[31mred alert\\033[0m <b>not bold</b>\\n'\necho 'the disk is full' >&2\nexit 3\n`,
};

/** A browser page with deadlines on every wait; its script errors and console errors go to `problems`. */
async function openPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => message.type() === "error" && problems.push(`console: ${message.text()}`));
  return page;
}

function allLocal(requests: string[], base: string): string[] {
  return requests.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith("data:"));
}

async function shot(page: Page, name: string, toDocs = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (toDocs && process.env.UPDATE_DOCS_SCREENSHOTS === "1") {
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, `dashboard-${name}.png`), fullPage: false });
  }
}

async function apiGet<T>(base: string, path: string, token: string | null = null): Promise<{ status: number; json: T }> {
  const response = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, json: (await response.json()) as T };
}

async function finishedRun(base: string, id: number, token: string | null = null): Promise<RunRecord> {
  let run: RunRecord | null = null;
  await waitFor(
    async () => {
      run = (await apiGet<RunRecord>(base, `/v1/runs/${id}`, token)).json;
      return run.finishedAt !== null && run.finishedAt !== undefined;
    },
    { timeoutMs: UI_TIMEOUT, intervalMs: 100, what: `run ${id} to finish (last seen ${JSON.stringify(run)})` },
  );
  return run!;
}

describe.runIf(CHROMIUM || IN_CI)("the web dashboard, in Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!CHROMIUM) throw new Error("CI needs Chromium for the dashboard tests: apt-get install chromium");
    browser = await launchChromium(CHROMIUM);
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe("on loopback without a token", () => {
    let base = "";
    let daemon: Daemon;
    let project: ReturnType<typeof tempProject>;
    let context: BrowserContext;
    let page: Page;
    const requests: string[] = [];
    const problems: string[] = [];
    let navigations = 0;

    let hooks: ReturnType<typeof createHttpServer>;
    const hooked: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      hooks = createHttpServer((req, res) => {
        hooked.push(`${req.method} ${req.url}`);
        res.writeHead(204).end();
      });
      await new Promise<void>((done) => hooks.listen(0, "127.0.0.1", done));
      const hook = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
      project = tempProject({ "orchestration.yaml": CONFIG({ hook }), ...FILES });
      daemon = new Daemon(["run", "--api", `127.0.0.1:${port}`], { cwd: project.dir });
      await daemon.waitForOutput(/API listening on/);
      base = `http://127.0.0.1:${port}`;
      context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US", timezoneId: "UTC", colorScheme: "light" });
      context.on("request", (request) => requests.push(request.url()));
      page = await openPage(context, problems);
      page.on("framenavigated", (frame) => frame === page.mainFrame() && navigations++);
      await page.goto(base);
    });

    afterAll(async () => {
      await context?.close();
      if (daemon) expect(await daemon.stop()).toBe(0);
      await new Promise<void>((done) => (hooks ? hooks.close(() => done()) : done()));
      project?.cleanup();
    });

    it("serves the page and its assets without a token, with content types and caching, and keeps JSON 404s under /v1", async () => {
      const html = await fetch(base);
      expect(html.status).toBe(200);
      expect(html.headers.get("content-type")).toMatch(/^text\/html/);
      expect(html.headers.get("cache-control")).toBe("no-cache");
      expect(html.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
      // Relative: a proxy may serve the page under a prefix.
      const script = /src="\.(\/assets\/[^"]+\.js)"/.exec(await html.text())?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${base}${script}`);
      expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(asset.headers.get("cache-control")).toMatch(/immutable/);
      const missing = await fetch(`${base}/assets/../package.json`);
      expect(missing.status).toBe(404);
      const unknown = await fetch(`${base}/v1/nope`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: expect.stringMatching(/no such endpoint: GET \/v1\/nope/) });
    });

    it("lists every task and workflow with its schedule, and the next fire in words and in the task's zone", async () => {
      await page.locator(".task").first().waitFor();
      const names = await page.locator(".task").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-task")));
      expect(names.sort()).toEqual(["broken", "hello", "nightly", "pipeline"]);
      await expect.poll(() => page.locator(".live").textContent(), { timeout: UI_TIMEOUT }).toMatch(/live/);
      expect(await page.locator("[data-task=pipeline] .tag").first().textContent()).toBe("workflow");

      const { json } = await apiGet<{ tasks: Array<{ name: string; nextFireAt: string | null }> }>(base, "/v1/tasks");
      const nextFireAt = json.tasks.find((t) => t.name === "nightly")!.nextFireAt!;
      const nightly = page.locator("[data-task=nightly]");
      expect(await nightly.locator(".facts").textContent()).toMatch(/02:30/);
      expect(await nightly.locator(".next-fire time").getAttribute("datetime")).toBe(nextFireAt);
      expect(await nightly.locator(".next-fire time").textContent()).toMatch(/^in \d+ (seconds?|minutes?|hours?)$/);
      // 02:30 in Berlin, shown in Berlin's time (CET or CEST), though the browser's zone is UTC.
      expect(await nightly.locator(".next-fire").textContent()).toMatch(/2:30:00 AM GMT\+[12]/);
      expect(await page.locator("[data-task=hello] .next-fire").textContent()).toBe("none scheduled");
      await shot(page, "tasks-empty");
    });

    it("a run triggered from the page appears live as running, then turns green, without a reload", async () => {
      const before = navigations;
      const hello = page.locator("[data-task=hello]");
      await hello.getByRole("button", { name: "Run hello now" }).click();
      await expect.poll(() => page.locator(".notice").textContent(), { timeout: UI_TIMEOUT }).toMatch(/Trigger hello: running \(run \d+\)/);
      const id = Number(/run (\d+)/.exec((await page.locator(".notice").textContent())!)![1]);
      // Seen as running: the script waits for the marker file, so this is no race.
      await hello.locator(`.last-run .badge[data-status=running]`).waitFor();
      await hello.locator(".tag.running-tag").waitFor();
      await hello.locator(`.strip a[href="#/runs/${id}"][data-status=running]`).waitFor();
      await shot(page, "tasks-running");
      writeFileSync(project.path("release"), "");
      await hello.locator(`.last-run .badge[data-status=succeeded]`).waitFor();
      await hello.locator(`.strip a[href="#/runs/${id}"][data-status=succeeded]`).waitFor();
      expect(await hello.locator(".tag.running-tag").count()).toBe(0);
      expect(navigations).toBe(before);

      // Its page: the message the script reported, the webhook delivered, the argv, the output's colours.
      // Deliveries are not on the event stream: the page shows what the record holds when it loads.
      await waitFor(async () => (await apiGet<RunRecord>(base, `/v1/runs/${id}`)).json.notifications.some((n) => n.status === "delivered"), {
        timeoutMs: UI_TIMEOUT,
        what: `run ${id}'s webhook delivery`,
      });
      await hello.locator(".last-run a").click();
      await page.locator("#run-title .badge[data-status=succeeded]").waitFor();
      await page.locator(".messages li", { hasText: "halfway there" }).waitFor();
      await page.locator(".notifications tr", { hasText: "delivered" }).waitFor();
      expect(hooked).toContain("POST /hook");
      expect(await page.locator(".invocations .argv").textContent()).toBe("hello.sh --who 'the world'");
      expect(await page.locator("pre.output span.ansi-fg-2").textContent()).toBe("all good");
      await page.goto(`${base}/#/`);
    });

    it("pauses and resumes a task from the page", async () => {
      const nightly = page.locator("[data-task=nightly]");
      await nightly.getByRole("button", { name: "Pause nightly" }).click();
      await nightly.locator(".tag.paused").waitFor();
      expect((await apiGet<{ paused: boolean }>(base, "/v1/tasks/nightly")).json.paused).toBe(true);
      await nightly.getByRole("button", { name: "Resume nightly" }).click();
      await nightly.getByRole("button", { name: "Pause nightly" }).waitFor();
      expect((await apiGet<{ paused: boolean }>(base, "/v1/tasks/nightly")).json.paused).toBe(false);
    });

    it("a failing run shows its output tail, colours rendered and markup escaped, and its error", async () => {
      const broken = page.locator("[data-task=broken]");
      await broken.getByRole("button", { name: "Run broken now" }).click();
      await broken.locator(".last-run .badge[data-status=failed]").waitFor();
      await broken.locator(".last-run a").click();
      await page.locator("#run-title .badge[data-status=failed]").waitFor();
      const output = page.locator("pre.output").first();
      await expect.poll(() => output.textContent(), { timeout: UI_TIMEOUT }).toContain("about to fail: red alert <b>not bold</b>");
      expect(await output.locator("span.ansi-fg-1").textContent()).toBe("red alert");
      expect(await output.locator("b").count()).toBe(0);
      expect(await page.locator(".run-error").textContent()).toMatch(/Error:.*(3|disk is full)/);
      expect(await page.locator(".invocations .exit-code").textContent()).toBe("3");
      expect(await page.locator(".invocations .argv").textContent()).toMatch(/broken\.sh$/);
      await shot(page, "run-failed");
    });

    it("a workflow run shows its steps as a graph, layered by depends_on, with statuses, durations and the rollback", async () => {
      const response = await fetch(`${base}/v1/tasks/pipeline/trigger`, { method: "POST" });
      const { id } = (await response.json()) as { id: number };
      const run = await finishedRun(base, id);
      expect(run.status).toBe("failed");
      await page.goto(`${base}/#/runs/${id}`);
      const step = (name: string) => page.locator(`.dag g.step[data-step=${name}]`);
      await step("load").waitFor();
      expect(await step("extract").getAttribute("data-status")).toBe("succeeded");
      expect(await step("transform").getAttribute("data-status")).toBe("succeeded");
      expect(await step("load").getAttribute("data-status")).toBe("failed");
      expect(await step("extract").locator(".rollback").getAttribute("data-rollback")).toBe("succeeded");
      expect(await step("extract").locator(".step-detail").first().textContent()).toMatch(/succeeded · \d+(\.\d+)? (ms|s)/);
      const x = async (name: string) => Number(await step(name).locator("rect").first().getAttribute("x"));
      expect(await x("extract")).toBeLessThan(await x("transform"));
      expect(await x("transform")).toBeLessThan(await x("load"));
      // check runs beside transform: the same layer, drawn below it.
      expect(await x("check")).toBe(await x("transform"));
      expect(await page.locator(".dag path.edge").count()).toBe(4);
      expect(await page.locator("[data-step-output=load] pre.output").textContent()).toContain("cannot load");
      await shot(page, "run", true);
    });

    it("the runs page filters by task and status, and pages back with the cursor", async () => {
      await page.goto(`${base}/#/runs?limit=2`);
      const ids = () => page.locator("table.runs tbody tr").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-run"))));
      await expect.poll(ids, { timeout: UI_TIMEOUT }).toHaveLength(2);
      const first = await ids();
      expect(first[0]!).toBeGreaterThan(first[1]!);
      await page.getByRole("button", { name: "Older →" }).click();
      await expect.poll(async () => (await ids())[0] ?? Infinity, { timeout: UI_TIMEOUT }).toBeLessThan(first[1]!);
      await page.getByRole("button", { name: "⇤ Newest" }).click();
      await expect.poll(ids, { timeout: UI_TIMEOUT }).toEqual(first);

      await page.goto(`${base}/#/runs`);
      await page.getByLabel("Status").selectOption("failed");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => page.locator("table.runs tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status"))), { timeout: UI_TIMEOUT }).toEqual([
        "failed",
        "failed",
      ]);
      await page.getByLabel("Task").selectOption("hello");
      await page.getByLabel("Status").selectOption("");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => page.locator("table.runs tbody tr td:nth-child(2)").allTextContents(), { timeout: UI_TIMEOUT }).toEqual(["hello"]);
      await page.getByLabel("Task").selectOption("");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => page.locator("table.runs tbody tr").count(), { timeout: UI_TIMEOUT }).toBe(3);
      // A time window (the browser's zone is UTC): these runs are all from the last minutes.
      const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);
      await page.getByLabel("From").fill(local(Date.now() + 3_600_000));
      await page.getByRole("button", { name: "Apply" }).click();
      await page.getByText("No runs match.").waitFor();
      await page.getByLabel("From").fill(local(Date.now() - 3_600_000));
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => page.locator("table.runs tbody tr").count(), { timeout: UI_TIMEOUT }).toBe(3);
      await page.getByLabel("From").fill("");
      await page.getByLabel("Until").fill(local(Date.now() - 3_600_000));
      await page.getByRole("button", { name: "Apply" }).click();
      await page.getByText("No runs match.").waitFor();
      await page.getByLabel("Until").fill("");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => page.locator("table.runs tbody tr").count(), { timeout: UI_TIMEOUT }).toBe(3);
      await shot(page, "runs");
    });

    it("the timeline draws each run of the last 24 hours in its task's row, and the last hour closer", async () => {
      await page.goto(`${base}/#/timeline`);
      const { json } = await apiGet<{ runs: Array<{ id: number; task: string }> }>(base, "/v1/runs");
      for (const run of json.runs) await page.locator(`svg.timeline g[data-task="${run.task}"] rect.bar[data-run="${run.id}"]`).waitFor();
      await shot(page, "timeline");
      // The last hour, where seconds-long runs have width: later runs lie to the right.
      await page.getByRole("link", { name: "1 h" }).click();
      await page.getByText("The last hour").waitFor();
      const [newest, oldest] = [json.runs[0]!, json.runs.at(-1)!];
      const left = (id: number) => page.locator(`rect.bar[data-run="${id}"]`).getAttribute("x").then(Number);
      expect(await left(newest.id)).toBeGreaterThan(await left(oldest.id));
      await shot(page, "timeline-1h");
    });

    it("the tasks page, with runs behind it, for the README", async () => {
      for (const task of ["hello", "broken", "hello", "hello", "pipeline", "hello"]) {
        const { id } = (await (await fetch(`${base}/v1/tasks/${task}/trigger`, { method: "POST" })).json()) as { id: number };
        await finishedRun(base, id);
      }
      await page.goto(`${base}/#/`);
      await page.locator("[data-task=hello] .strip a").nth(4).waitFor();
      await shot(page, "tasks", true);
    });

    it("reads on a phone, and in the dark", async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US", timezoneId: "UTC", colorScheme: "dark", isMobile: true });
      phone.on("request", (request) => requests.push(request.url()));
      try {
        const small = await openPage(phone, problems);
        await small.goto(base);
        await small.locator("[data-task=hello]").waitFor();
        // Nothing wider than the screen: no sideways scrolling on the tasks page.
        expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
        const background = await small.evaluate<string>("getComputedStyle(document.body).backgroundColor");
        expect(background).toBe("rgb(13, 17, 23)");
        await shot(small, "tasks-phone-dark");
      } finally {
        await phone.close();
      }
    });

    it("works behind a reverse proxy under a prefix (/orchestrate/), the event stream included", async () => {
      // A minimal proxy: /orchestrate/… to the daemon's /…, streamed through (as nginx with proxy_buffering off).
      const daemonPort = Number(new URL(base).port);
      const proxy = createHttpServer((req, res) => {
        if (!req.url!.startsWith("/orchestrate/")) return void res.writeHead(404).end();
        const upstream = httpRequest({ host: "127.0.0.1", port: daemonPort, path: req.url!.slice("/orchestrate".length), method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      });
      await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
      const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/orchestrate`;
      const through = await browser.newContext({ locale: "en-US", timezoneId: "UTC" });
      const seen: string[] = [];
      through.on("request", (request) => seen.push(request.url()));
      try {
        const behind = await openPage(through, problems);
        await behind.goto(`${proxied}/`);
        await behind.locator("[data-task=hello] .strip a").first().waitFor();
        await expect.poll(() => behind.locator(".live").textContent(), { timeout: UI_TIMEOUT }).toMatch(/live/);
        const before = await behind.locator("[data-task=broken] .strip a").count();
        await behind.getByRole("button", { name: "Run broken now" }).click();
        await expect.poll(() => behind.locator("[data-task=broken] .strip a").count(), { timeout: UI_TIMEOUT }).toBe(before + 1);
        expect(seen.filter((url) => !url.startsWith(`${proxied}/`) && !url.startsWith("data:"))).toEqual([]);
        expect(seen.some((url) => url.startsWith(`${proxied}/v1/events`))).toBe(true);
      } finally {
        await through.close();
        proxy.closeAllConnections();
        await new Promise<void>((done) => proxy.close(() => done()));
      }
    });

    it("made no request beyond the daemon, and the page raised no errors", () => {
      expect(requests.length).toBeGreaterThan(5);
      expect(allLocal(requests, base)).toEqual([]);
      expect(problems).toEqual([]);
    });
  });

  describe("with a token, listening beyond loopback", () => {
    let base = "";
    let daemon: Daemon;
    let project: ReturnType<typeof tempProject>;
    let context: BrowserContext;
    const requests: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      project = tempProject({ "orchestration.yaml": CONFIG({ api: `api:\n  listen: 0.0.0.0:${port}\n  token_env: ORCHESTRATE_TOKEN` }), ...FILES });
      daemon = new Daemon(["run"], { cwd: project.dir, env: { ORCHESTRATE_TOKEN: TOKEN } });
      await daemon.waitForOutput(/API listening on .*\(token required\)/);
      base = `http://127.0.0.1:${port}`;
      context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US", timezoneId: "UTC" });
      context.on("request", (request) => requests.push(request.url()));
    });

    afterAll(async () => {
      await context?.close();
      if (daemon) expect(await daemon.stop()).toBe(0);
      project?.cleanup();
    });

    it("serves the page without the token, but no data: 401 without it, and the stream takes it only as ?token=", async () => {
      expect((await fetch(base)).status).toBe(200);
      expect((await apiGet(base, "/v1/tasks")).status).toBe(401);
      expect((await apiGet(base, "/v1/runs?token=" + TOKEN)).status).toBe(401);
      expect((await apiGet(base, "/v1/events")).status).toBe(401);
      expect((await apiGet(base, "/v1/events?token=wrong")).status).toBe(401);
      const controller = new AbortController();
      const stream = await fetch(`${base}/v1/events?token=${TOKEN}`, { signal: controller.signal });
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      controller.abort();
    });

    it("shows the login form; a wrong token is refused, the right one shows the tasks, live", async () => {
      const problems: string[] = [];
      const page = await openPage(context, problems);
      await page.goto(base);
      const field = page.getByLabel("API token");
      await field.waitFor();
      expect(await page.locator(".task").count()).toBe(0);
      await shot(page, "login");
      await field.fill("not-the-token");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByText("That token was not accepted.").waitFor();
      await field.fill(TOKEN);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.locator("[data-task=hello]").waitFor();
      await expect.poll(() => page.locator(".live").textContent(), { timeout: UI_TIMEOUT }).toMatch(/live/);
      // Kept for this tab: a reload needs no second login.
      await page.reload();
      await page.locator("[data-task=hello]").waitFor();
      await page.getByRole("button", { name: "Run hello now" }).click();
      await page.locator("[data-task=hello] .last-run .badge[data-status=running]").waitFor();
      writeFileSync(project.path("release"), "");
      await page.locator("[data-task=hello] .last-run .badge[data-status=succeeded]").waitFor();
      expect(allLocal(requests, base)).toEqual([]);
      // The only errors are the 401s that showed the login form and refused the wrong token.
      expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    });
  });
});

