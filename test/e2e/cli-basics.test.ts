import { existsSync, readFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { alive, Daemon, runCli, tempProject, waitFor } from "../helpers/project.js";

describe("the command line", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  chatty:
    cron: "* * * * * *"
    command: "echo hello from chatty"
  nightly:
    cron: "30 2 * * *"
    timezone: America/New_York
    command: "true"
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => project.cleanup());

  it("--log-format json writes one JSON object per line, script output with task and run id", async () => {
    daemon = new Daemon(["run", "--log-format", "json"], { cwd: project.dir });
    await daemon.waitForOutput(/hello from chatty/);
    expect(await daemon.stop()).toBe(0);
    const lines = daemon.output.trim().split("\n").map((line) => JSON.parse(line));
    const output = lines.find((l) => l.msg === "hello from chatty");
    expect(output).toMatchObject({ level: "info", task: "chatty", stream: "stdout" });
    expect(output.runId).toBeTypeOf("number");
    expect(Date.parse(output.time)).not.toBeNaN();
  });

  it("plain text without a terminal: no colour codes", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir, env: { NO_COLOR: "" } });
    await daemon.waitForOutput(/\[chatty#\d+\] stdout\| hello from chatty/);
    expect(await daemon.stop()).toBe(0);
    expect(daemon.output).not.toMatch(/\x1b\[/);
  });

  it("a second Ctrl-C kills running scripts at once", async () => {
    const hanging = tempProject({
      "orchestration.yaml": `tasks:\n  hang:\n    cron: "* * * * * *"\n    scripts:\n      - path: hang.sh\n`,
      "hang.sh": `#!/usr/bin/env bash\nsleep 999 &\necho $! > child.pid\nwait\n`,
    });
    daemon = new Daemon(["run", "--grace", "1h"], { cwd: hanging.dir });
    await waitFor(() => existsSync(hanging.path("child.pid")), { what: "the hanging script" });
    daemon.signal("SIGINT");
    await daemon.waitForOutput(/SIGINT received/);
    daemon.signal("SIGINT");
    expect(await daemon.stop(10_000)).toBe(0);
    const child = Number(readFileSync(hanging.path("child.pid"), "utf8"));
    await waitFor(() => !alive(child), { timeoutMs: 5_000, what: "the script's child to be killed" });
    expect(daemon.output).toMatch(/\[hang#\d+\] interrupted/);
    hanging.cleanup();
  });

  it("next --json lists the next fires in ISO UTC, in the task's timezone", async () => {
    const result = await runCli(["next", "--task", "nightly", "-n", "2", "--from", "2026-03-07T12:00:00Z", "--json"], { cwd: project.dir });
    expect(result.code).toBe(0);
    // 02:30 on 2026-03-08 does not exist in New York (spring forward): it runs at 03:00 EDT = 07:00Z.
    expect(JSON.parse(result.stdout)).toEqual([
      { task: "nightly", at: "2026-03-08T07:00:00.000Z" },
      { task: "nightly", at: "2026-03-09T06:30:00.000Z" },
    ]);
    const text = await runCli(["next", "--task", "nightly", "-n", "1", "--from", "2026-03-07T12:00:00Z"], { cwd: project.dir });
    expect(text.stdout).toMatch(/nightly\s+2026-03-08 03:00:00 EDT\s+2026-03-08T07:00:00Z/);
  });

  it("--dry-run logs what would run and runs nothing", async () => {
    const dry = tempProject({ "orchestration.yaml": `tasks:\n  t:\n    cron: "* * * * * *"\n    command: "touch ran"\n` });
    daemon = new Daemon(["run", "--dry-run"], { cwd: dry.dir });
    await daemon.waitForOutput(/\[t\] dry run, schedule fire of \S+: would run touch ran/);
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(dry.path("ran"))).toBe(false);
    dry.cleanup();
  });

  it("bad usage exits 2, --version and --help exit 0", async () => {
    expect((await runCli(["frobnicate"], { cwd: project.dir })).code).toBe(2);
    expect((await runCli(["history", "--limit", "zero"], { cwd: project.dir })).code).toBe(2);
    expect((await runCli(["show", "abc"], { cwd: project.dir })).code).toBe(2);
    const version = await runCli(["--version"], { cwd: project.dir });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(["--help"], { cwd: project.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/validate/);
  });

  it("a missing config file is one clear error, exit 1, no stack trace", async () => {
    const result = await runCli(["validate", "nope.yaml"], { cwd: project.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nope\.yaml:1:1: cannot read/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a task's env reaches its script, after defaults.env, and cannot override ORCHESTRATE_*", async () => {
    const envProject = tempProject({
      "orchestration.yaml": `defaults:\n  env: { GREETING: hello, PLACE: world }\ntasks:\n  e:\n    env: { GREETING: hi, ORCHESTRATE_TASK: spoofed }\n    command: "echo $GREETING $PLACE $ORCHESTRATE_TASK"\n`,
    });
    const result = await runCli(["trigger", "e"], { cwd: envProject.dir });
    envProject.cleanup();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stdout\| hi world e$/m);
  });

  it("trigger of an unknown task names the ones there are, exit 1", async () => {
    const result = await runCli(["trigger", "nightlly"], { cwd: project.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no task named "nightlly"; tasks are: chatty, nightly/);
  });
});
