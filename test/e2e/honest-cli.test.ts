import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, historyOf, runCli, tempProject } from "../helpers/project.js";

const CONFIG = [
  "tasks:",
  "  chatty-failure:",
  '    command: "for i in $(seq 1 40); do echo line $i; sleep 0.02; done; exit 3"',
  "  two-parts:",
  "    repeat:",
  "      - path: part.sh",
  "        params: [ { n: 1 }, { n: 2 } ]",
  "  fine:",
  '    command: "echo fine"',
  "",
].join("\n");

describe("the CLI tells the truth", () => {
  const project = tempProject({ "orchestration.yaml": CONFIG, "part.sh": `#!/usr/bin/env bash\nprintf 'wrote out/%s (run %s)' "$2" "$2"\n` });
  afterAll(() => project.cleanup());
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

  it("trigger TASK | head -1 on a failing task: the run finishes, is recorded failed, and trigger exits 1", async () => {
    const piped = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" trigger chatty-failure | head -1`], {
      cwd: project.dir,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 30_000,
    });
    expect(piped.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(piped.status).toBe(1);
    const [run] = (await historyOf(project.dir, ["chatty-failure"])).slice(-1);
    expect(run).toMatchObject({ status: "failed", exitCode: 3 });
  });

  it("the output tail of a run with several invocations keeps a line break between them", async () => {
    expect((await cli("trigger", "two-parts")).code).toBe(0);
    const [run] = (await historyOf(project.dir, ["two-parts"])).slice(-1);
    expect(run!.output).toBe("wrote out/1 (run 1)\nwrote out/2 (run 2)");
  });

  it("trigger --json prints the finished run, and its log goes to stderr", async () => {
    const result = await cli("trigger", "fine", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ task: "fine", trigger: "manual", status: "succeeded", output: "fine" });
    expect(result.stderr).toMatch(/\[fine#\d+\] succeeded/);
  });

  it("validate --json prints the tasks, or the problems with their locations", async () => {
    const valid = await cli("validate", "--json");
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({
      valid: true,
      file: project.path("orchestration.yaml"),
      tasks: [
        { name: "chatty-failure", schedule: "manual only (orchestrate trigger chatty-failure)", next: null },
        { name: "two-parts" },
        { name: "fine" },
      ],
      warnings: [],
    });
    const broken = tempProject({ "orchestration.yaml": "tasks:\n  a:\n    command: echo\n    every: 1ms\n" });
    const invalid = await runCli(["validate", "--json"], { cwd: broken.dir });
    broken.cleanup();
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toEqual({
      valid: false,
      file: `${broken.dir}/orchestration.yaml`,
      problems: [{ file: `${broken.dir}/orchestration.yaml`, line: 4, col: 12, message: 'tasks.a.every: must be at least 1s, got "1ms"' }],
    });
  });

  it("history shows every time in one format, and durations as the config writes them", async () => {
    const table = (await cli("history")).stdout.trim().split("\n").slice(1);
    for (const row of table) expect(row).toMatch(/ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +(\d+ms|\d+(\.\d)?s|\d+m(\d+s)?) /);
  });

  it("history PATH.yaml says it was given a config file, and how to give one", async () => {
    const result = await cli("history", "orchestration.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('orchestrate: "orchestration.yaml" is a configuration file, not a task name: use orchestrate history -c orchestration.yaml [TASK]\n');
  });

  it('"no runs recorded yet" only for an empty store; otherwise what did not match', async () => {
    expect((await cli("history", "nothing-like-it")).stdout).toBe("no runs match (task nothing-like-it)\n");
    expect((await cli("history", "fine", "--status", "missed")).stdout).toBe("no runs match (task fine, status missed)\n");
    const empty = tempProject({ "orchestration.yaml": "tasks: {}\n" });
    expect((await runCli(["history"], { cwd: empty.dir })).stdout).toBe(`no runs recorded yet (there is no state store at ${empty.dir}/.orchestrate/state.db)\n`);
    empty.cleanup();
  });
});

describe("read commands create and change nothing", () => {
  it("history --state typo.db says there is no store there, and makes none", async () => {
    const project = tempProject({ "orchestration.yaml": "tasks: {}\n" });
    const result = await runCli(["history", "--state", "typo.db"], { cwd: project.dir });
    expect(result).toMatchObject({ code: 0, stdout: `no runs recorded yet (there is no state store at ${project.dir}/typo.db)\n` });
    expect((await runCli(["show", "1", "--state", "typo.db"], { cwd: project.dir })).stderr).toBe(`orchestrate: no run 1: there is no state store at ${project.dir}/typo.db\n`);
    expect(readdirSync(project.dir)).toEqual(["orchestration.yaml"]);
    project.cleanup();
  });

  it("history and show read a store that this user may not write, in a folder it may not write, and leave no file behind", async () => {
    const project = tempProject({ "orchestration.yaml": 'tasks:\n  a:\n    command: "echo hi"\n' });
    expect((await runCli(["trigger", "a"], { cwd: project.dir })).code).toBe(0);
    const store = project.path(".orchestrate/state.db");
    const before = statSync(store).mtimeMs;
    chmodSync(project.dir, 0o755);
    chmodSync(project.path(".orchestrate"), 0o555);
    chmodSync(store, 0o444);
    // Root writes anywhere: read as nobody, who may read but not write here.
    const asReader = (args: string[]) =>
      process.getuid?.() === 0 ? spawnSync("runuser", ["-u", "nobody", "--", process.execPath, BIN, ...args], { encoding: "utf8" }) : spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    const history = asReader(["history", "--json", "--state", store]);
    expect(history.stderr).toBe("");
    expect(JSON.parse(history.stdout)).toMatchObject([{ task: "a", status: "succeeded" }]);
    expect(asReader(["show", "1", "--state", store]).stdout).toMatch(/^run 1 {2}a {2}succeeded/);
    expect(readdirSync(project.path(".orchestrate"))).toEqual(["state.db"]);
    expect(statSync(store).mtimeMs).toBe(before);
    chmodSync(project.path(".orchestrate"), 0o755);
    project.cleanup();
  });

  it("a state store under /proc is refused at once, not spun on for ever", async () => {
    const project = tempProject({ "orchestration.yaml": "tasks: {}\n" });
    for (const command of [["history"], ["run"], ["trigger", "x"]]) {
      const started = Date.now();
      const result = await runCli([...command, "--state", "/proc/orchestrate/state.db"], { cwd: project.dir, timeoutMs: 10_000 });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/\/proc\/orchestrate\/state\.db is on \/proc, a view of the kernel, not a disk/);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect(existsSync("/proc/orchestrate")).toBe(false);
    project.cleanup();
  });
});

describe("help and options say what there is", () => {
  const project = tempProject({ "orchestration.yaml": "tasks: {}\n" });
  afterAll(() => project.cleanup());

  it("-V prints the version, as --version does", async () => {
    const [short, long] = await Promise.all([runCli(["-V"], { cwd: project.dir }), runCli(["--version"], { cwd: project.dir })]);
    expect(short).toMatchObject({ code: 0, stdout: long.stdout });
  });

  it.each(["run", "validate", "next", "explain", "trigger", "history", "show", "schedule"])("%s --help shows the global options", async (command) => {
    const help = await runCli([command, "--help"], { cwd: project.dir });
    expect(help.code).toBe(0);
    for (const option of ["--config", "--state", "--log-format", "--no-color", "--quiet", "--verbose"]) expect(help.stdout).toContain(option);
  });

  it("run --api is the REST API (built), a malformed address a usage error; no words from inside the project", async () => {
    expect((await runCli(["run", "--help"], { cwd: project.dir })).stdout).toMatch(/--api <host:port>\s+serve the REST API/);
    expect(await runCli(["run", "--api", "7070"], { cwd: project.dir })).toMatchObject({ code: 2, stderr: expect.stringMatching(/--api "7070" is not HOST:PORT/) });
    for (const command of ["--help", "schedule --help", "run --help"]) {
      expect((await runCli(command.split(" "), { cwd: project.dir })).stdout).not.toMatch(/\bseed\b|\bcontract\b/i);
    }
  });
});
