/**
 * `orchestrate completion bash|zsh`: scripts the shells accept (bash -n, zsh -n), and, for bash,
 * what Tab offers, asked of the real completion function the way bash calls it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, tempProject, scratchPerTest } from "../helpers/project.js";

const hasZsh = spawnSync("zsh", ["--version"]).status === 0;

const { defer } = scratchPerTest();
const CONFIG = `tasks:\n  backup:\n    cron: "0 3 * * *"\n    command: "true"\n  "quoted.name":\n    command: "true"\nworkflows:\n  etl:\n    steps:\n      extract: { command: "true" }\n`;

async function script(shell: "bash" | "zsh") {
  const p = tempProject({ "orchestration.yaml": CONFIG, "other.yaml": "tasks:\n  elsewhere:\n    command: \"true\"\n" });
  defer(p.cleanup);
  const result = await runCli(["completion", shell], { cwd: p.dir });
  expect(result.code, result.stderr).toBe(0);
  const file = p.path(`completion.${shell}`);
  writeFileSync(file, result.stdout);
  return { dir: p.dir, file };
}

/** What bash's Tab offers after `line` (the last word is the one being completed). */
function tab(file: string, dir: string, words: string[]): string[] {
  const program = `source ${JSON.stringify(file)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_orchestrate
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync("bash", ["-c", program], { cwd: dir, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split("\n").filter(Boolean);
}

describe("bash completion", () => {
  it("is a script bash accepts", async () => {
    const { file } = await script("bash");
    const check = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });

  it("offers every command orchestrate --help lists, and only commands when no - is typed", async () => {
    const { file, dir } = await script("bash");
    const help = await runCli(["--help"], { cwd: dir });
    const commands = [...help.stdout.split("Commands:")[1]!.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
    expect(commands.length).toBeGreaterThan(15);
    expect(tab(file, dir, ["orchestrate", ""]).sort()).toEqual([...commands].sort());
    expect(tab(file, dir, ["orchestrate", "sy"])).toEqual(["systemd"]);
  });

  it("offers a command's own options and the global ones, and the values an option takes", async () => {
    const { file, dir } = await script("bash");
    expect(tab(file, dir, ["orchestrate", "run", "--"])).toEqual(expect.arrayContaining(["--grace", "--dry-run", "--watch", "--config", "--state", "--log-format"]));
    expect(tab(file, dir, ["orchestrate", "run", "--"])).not.toContain("--json");
    expect(tab(file, dir, ["orchestrate", "--log-format", ""])).toEqual(["text", "json"]);
    expect(tab(file, dir, ["orchestrate", "report", "--status", ""])).toEqual(["running", "succeeded", "failed"]);
    expect(tab(file, dir, ["orchestrate", "completion", ""])).toEqual(["bash", "zsh"]);
    expect(tab(file, dir, ["orchestrate", "import", ""])).toEqual(["crontab"]);
    expect(tab(file, dir, ["orchestrate", "import", "crontab", "--sy"])).toEqual(["--system"]);
  });

  it("offers files where a file goes, and the config's task and workflow names where a task goes", async () => {
    const { file, dir } = await script("bash");
    expect(tab(file, dir, ["orchestrate", "validate", "oth"])).toEqual(["other.yaml"]);
    expect(tab(file, dir, ["orchestrate", "trigger", ""])).toEqual(["backup", "quoted.name", "etl"]);
    expect(tab(file, dir, ["orchestrate", "next", "--task", "b"])).toEqual(["backup"]);
    expect(tab(file, dir, ["orchestrate", "-c", "other.yaml", "why", ""])).toEqual(["elsewhere"]);
    expect(tab(file, dir, ["orchestrate", "--config", "missing.yaml", "pause", ""])).toEqual([]);
  });
});

describe("zsh completion", () => {
  it.skipIf(!hasZsh)("is a script zsh accepts, and loads under compinit", async () => {
    const { file, dir } = await script("zsh");
    const check = spawnSync("zsh", ["-n", file], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
    const load = spawnSync("zsh", ["-f", "-c", `autoload -U compinit && compinit -u -D && source ${JSON.stringify(file)} && print -r -- $_comps[orchestrate]`], { cwd: dir, encoding: "utf8" });
    expect(load.status, load.stderr).toBe(0);
    expect(load.stdout.trim()).toBe("_orchestrate");
  });

  it("names every command with its description", async () => {
    const { file } = await script("zsh");
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^#compdef orchestrate$/m);
    expect(text).toContain("'import:print an orchestration.yaml equivalent to another scheduler'\\''s file'");
    expect(text).toMatch(/_orchestrate_import_crontab\(\) \{/);
  });
});
