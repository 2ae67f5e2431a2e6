import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load.js";
import { ConfigError, formatProblem } from "../../src/config/problems.js";
import { projectDir } from "./config-fixture.js";

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loading a config file", () => {
  it("returns the config of a good file", () => {
    const dir = projectDir();
    const file = join(dir, "orchestration.yaml");
    writeFileSync(file, `tasks:\n  report:\n    scripts: [ { path: scripts/report.py } ]\n`);
    expect(loadConfigFile(file).tasks.map((t) => t.name)).toEqual(["report"]);
  });

  it("a missing file is one problem at 1:1, not a stack trace", () => {
    const error = thrown(() => loadConfigFile("/no/such/orchestration.yaml"));
    expect(error.problems).toEqual([{ file: "/no/such/orchestration.yaml", line: 1, col: 1, message: "cannot read /no/such/orchestration.yaml: no such file" }]);
    expect(error.message).toBe("/no/such/orchestration.yaml:1:1: cannot read /no/such/orchestration.yaml: no such file");
  });

  it("a folder is not a config file", () => {
    const dir = projectDir([]);
    expect(thrown(() => loadConfigFile(dir)).problems[0]!.message).toMatch(/it is a folder, not a file/);
  });

  it("throws every problem at once, one per line of the message, named by the path as given", () => {
    const dir = projectDir([]);
    const file = join(dir, "orchestration.yaml");
    writeFileSync(file, `tasks:\n  a:\n    retries: many\n    timout: 1m\n`);
    const error = thrown(() => loadConfigFile(file));
    expect(error.problems).toHaveLength(3);
    expect(error.message.split("\n")).toEqual(error.problems.map(formatProblem));
    expect(error.message.split("\n")[0]).toBe(`${file}:2:3: tasks.a: nothing to run: give \`scripts\` (and/or \`repeat\`), \`command\` or \`http\``);
  });
});
