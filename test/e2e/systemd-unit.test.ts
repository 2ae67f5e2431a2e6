/**
 * `orchestrate systemd` prints a unit systemd itself accepts: `systemd-analyze verify` parses every
 * setting and checks that ExecStart='s binary exists and is executable. CI installs systemd
 * (.ci/run); a machine without systemd-analyze skips these.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, runCli, tempProject, scratchPerTest } from "../helpers/project.js";

const hasAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

const { defer } = scratchPerTest();
function project() {
  const p = tempProject({ "orchestration.yaml": `tasks:\n  hello:\n    cron: "*/5 * * * *"\n    command: echo hello\n    kill_grace: 20s\n` });
  defer(p.cleanup);
  return p;
}

/** verify's complaints about our file (it may also talk about units of the host). */
function verify(dir: string, unit: string, user: boolean): { status: number | null; complaints: string[] } {
  const file = `${dir}/orchestrate.service`;
  writeFileSync(file, unit);
  mkdirSync(`${dir}/runtime`, { recursive: true });
  const result = spawnSync("systemd-analyze", [...(user ? ["--user"] : []), "verify", file], {
    encoding: "utf8",
    env: { ...process.env, XDG_RUNTIME_DIR: `${dir}/runtime`, SYSTEMD_LOG_LEVEL: "notice" },
  });
  const complaints = `${result.stdout}\n${result.stderr}`.split("\n").filter((line) => line.includes("orchestrate.service"));
  return { status: result.status, complaints };
}

describe.skipIf(!hasAnalyze)("systemd-analyze verify accepts the generated unit", () => {
  it("a system unit, with its absolute paths to node, bin/orchestrate and the config", async () => {
    const p = project();
    const result = await runCli(["systemd", "--grace", "45s"], { cwd: p.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`ExecStart=${process.execPath} ${BIN} run ${p.path("orchestration.yaml")} --grace 45s`);
    expect(result.stdout).toContain("TimeoutStopSec=80s");
    expect(verify(p.dir, result.stdout, false)).toEqual({ status: 0, complaints: [] });
  });

  it("with the state in /var/lib/orchestrate (StateDirectory=) or in a folder of its own (ReadWritePaths=)", async () => {
    const p = project();
    for (const [state, expected] of [
      ["/var/lib/orchestrate/state.db", "StateDirectory=orchestrate"],
      ["/srv/orchestrate-state/state.db", `ReadWritePaths=-${p.dir} -/srv/orchestrate-state`],
    ] as const) {
      const result = await runCli(["systemd", "--state", state], { cwd: p.dir });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(expected);
      expect(result.stdout).toMatch(new RegExp(`--state ${state.replaceAll("/", "\\/")}\n`));
      expect(verify(p.dir, result.stdout, false)).toEqual({ status: 0, complaints: [] });
    }
  });

  it("a user unit (--user)", async () => {
    const p = project();
    const result = await runCli(["systemd", "orchestration.yaml", "--user"], { cwd: p.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(verify(p.dir, result.stdout, true)).toEqual({ status: 0, complaints: [] });
  });

  it("and would refuse a broken one: the check bites", async () => {
    const p = project();
    const { stdout } = await runCli(["systemd"], { cwd: p.dir });
    const broken = verify(p.dir, stdout.replace("KillMode=mixed", "KillMode=gently").replace(`ExecStart=${process.execPath}`, "ExecStart=/nonexistent/node"), false);
    expect(broken.complaints.join("\n")).toMatch(/gently/);
    expect(broken.complaints.join("\n")).toMatch(/nonexistent\/node/);
    expect(broken.status).not.toBe(0);
  });
});

describe("orchestrate systemd refuses what it cannot turn into a unit", () => {
  it("a --grace that is not a duration is bad usage", async () => {
    const p = project();
    const result = await runCli(["systemd", "--grace", "soon"], { cwd: p.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--grace "soon" is not a duration/);
  });

  it("a config that does not load is a located error", async () => {
    const p = project();
    writeFileSync(p.path("orchestration.yaml"), "tasks:\n  x:\n    cron: nope\n    command: true\n");
    const result = await runCli(["systemd"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/orchestration\.yaml:3:\d+:/);
  });
});
