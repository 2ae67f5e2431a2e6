/**
 * `env_file:` (dotenv lines read at each run, under `env:`) and `user:`/`group:` (a task's
 * processes as another account, as cron runs a crontab's lines as its owner), through the CLI.
 */
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, historyOf, runCli, waitFor, scratchPerTest } from "../helpers/project.js";

const { project, daemon } = scratchPerTest();
const isRoot = process.getuid?.() === 0;

describe("env_file", () => {
  it("adds its variables under env:, is read again at each run, and a missing file fails the run naming it", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  show:
    env_file: app.env
    env: { WINS: from-env }
    command: 'echo "$FROM_FILE|$WINS|$QUOTED" >> seen.txt'
  lost:
    every: 1s
    env_file: gone.env
    command: "true"
`,
      "app.env": "# settings\nFROM_FILE=one\nWINS=from-file\nexport QUOTED=\"a b\"\n",
      "gone.env": "X=1\n",
    });
    expect((await runCli(["trigger", "show"], { cwd: p.dir })).code).toBe(0);
    writeFileSync(p.path("app.env"), "FROM_FILE=two\n");
    expect((await runCli(["trigger", "show"], { cwd: p.dir })).code).toBe(0);
    expect(readFileSync(p.path("seen.txt"), "utf8")).toBe("one|from-env|a b\ntwo|from-env|\n");

    // Deleted while the daemon runs: the next run fails, saying which file; the daemon goes on.
    const d = daemon(["run"], p.dir);
    await waitFor(async () => (await historyOf(p.dir, ["lost"])).some((r) => r.status === "succeeded"), { what: "a run with the file" });
    rmSync(p.path("gone.env"));
    await waitFor(async () => (await historyOf(p.dir, ["lost"])).some((r) => r.status === "failed"), { what: "a run without it" });
    const failed = (await historyOf(p.dir, ["lost"])).find((r) => r.status === "failed");
    expect(failed).toMatchObject({ error: `env_file ${p.path("gone.env")}: not found`, attempts: 0 });
    expect(await d.stop()).toBe(0);
  });

  it("a missing env_file is a located problem for validate", async () => {
    const p = project({ "orchestration.yaml": "tasks:\n  a:\n    env_file: nope.env\n    command: \"true\"\n" });
    const result = await runCli(["validate"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`orchestration.yaml:3:15: tasks.a.env_file: env_file not found: ${p.path("nope.env")}`);
  });
});

describe("user: and group:", () => {
  it("an account that does not exist is a located problem", async () => {
    const p = project({ "orchestration.yaml": "tasks:\n  a:\n    user: no-such-user-here\n    command: \"true\"\n  b:\n    user: root\n    group: no-such-group\n    command: \"true\"\n" });
    const result = await runCli(["validate"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("orchestration.yaml:3:11: tasks.a.user: there is no user no-such-user-here on this machine");
    expect(result.stderr).toContain("orchestration.yaml:7:12: tasks.b.group: there is no group no-such-group on this machine");
  });

  it.runIf(isRoot)("runs scripts, skip commands and workflow steps as the account, with its HOME and USER; outputs still pass between steps", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  as-nobody:
    user: nobody
    skip:
      - command: 'test "$(id -u)" != 65534'   # exits 0 (skips) unless it runs as nobody
    scripts:
      - path: who.sh
        params: { out: out/task.txt }
  as-group:
    user: nobody
    group: root
    command: 'echo "$(id -u):$(id -g)" > out/group.txt'
workflows:
  flow:
    steps:
      first:
        user: nobody
        command: 'echo "who=$(id -un)" >> "$ORCHESTRATE_OUTPUT"'
      second:
        depends_on: [first]
        command: 'echo "$ORCHESTRATE_INPUT_FIRST_WHO as $(id -un)" > out/flow.txt'
`,
      "who.sh": '#!/usr/bin/env bash\nwhile [ $# -gt 0 ]; do case "$1" in --out) out="$2"; shift 2;; *) shift;; esac; done\necho "$(id -u):$(id -g) $HOME $USER $LOGNAME" > "$out"\n',
      "out/.keep": "",
    });
    chmodSync(p.dir, 0o755);
    chmodSync(p.path("out"), 0o777);
    for (const name of ["as-nobody", "as-group", "flow"]) {
      const result = await runCli(["trigger", name], { cwd: p.dir });
      expect(result.code, `${name}: ${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(readFileSync(p.path("out/task.txt"), "utf8")).toBe("65534:65534 /nonexistent nobody nobody\n");
    expect(readFileSync(p.path("out/group.txt"), "utf8")).toBe("65534:0\n");
    expect(readFileSync(p.path("out/flow.txt"), "utf8")).toBe("nobody as root\n");
  });

  it.runIf(isRoot)("a daemon that is not root refuses to start with a user: it cannot switch to; validate only warns", async () => {
    const p = project({ "orchestration.yaml": "tasks:\n  a:\n    user: root\n    every: 1h\n    command: \"true\"\n" });
    chmodSync(p.dir, 0o777);
    const asNobody = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: p.dir, uid: 65534, gid: 65534, env: { PATH: process.env.PATH!, NO_COLOR: "1" } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const run = await asNobody(["run"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("orchestration.yaml:3:11: tasks.a.user: running as root needs orchestrate to run as root, and it runs as nobody (uid 65534)");
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const validate = await asNobody(["validate"]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("warning: task a: runs as root: only orchestrate running as root can do that, and this is nobody (uid 65534)");
  });
});
