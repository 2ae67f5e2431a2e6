/**
 * `orchestrate run` reads its configuration in a short-lived child process, at start and at every
 * reload: what the user sees of a bad file must be what every other command shows, word for word,
 * and a bad file on reload must leave the daemon running what it had.
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load.js";
import { ConfigError } from "../../src/config/problems.js";
import { runCli, scratchPerTest } from "../helpers/project.js";

const { project, daemon } = scratchPerTest();
const BAD = `tasks:\n  a:\n    cron: "99 * * * *"\n    command: "true"\n  b:\n    retries: many\n    timout: 1m\n`;

function loaderMessage(file: string): string {
  try {
    loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
  }
  throw new Error("expected a ConfigError");
}

describe("a config with problems, read in the daemon's child process", () => {
  it("at start: run prints every problem located, as the loader words them, and exits 1", async () => {
    const p = project({ "orchestration.yaml": BAD });
    const result = await runCli(["run"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${loaderMessage(p.path("orchestration.yaml"))}\n`);
    expect(result.stdout).toBe("");
  });

  it("a file that is not there: the same one line as every command, exit 1", async () => {
    const p = project({});
    const result = await runCli(["run", "missing.yaml"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${p.path("missing.yaml")}:1:1: cannot read ${p.path("missing.yaml")}: no such file\n`);
  });

  it("on reload: each problem is logged located, the daemon keeps its tasks, and a mended file is then taken", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n  a:\n    cron: "5 4 * * *"\n    command: "true"\n` });
    const d = daemon(["run", "--watch"], p.dir);
    await d.waitForOutput(/orchestrate is running 1 task\(s\)/);

    writeFileSync(p.path("orchestration.yaml"), BAD);
    const problems = loaderMessage(p.path("orchestration.yaml")).split("\n");
    await d.waitForOutput(new RegExp(`orchestration\\.yaml changed: the configuration has ${problems.length} problem\\(s\\); still running the one loaded before`));
    for (const problem of problems) expect(d.output).toContain(`ERROR ${problem}`);

    writeFileSync(p.path("orchestration.yaml"), `tasks:\n  a:\n    cron: "5 4 * * *"\n    command: "true"\n  c:\n    cron: "6 4 * * *"\n    command: "true"\n`);
    await d.waitForOutput(/orchestration\.yaml changed: reloaded added c/);
    expect(await d.stop()).toBe(0);
  });
});
