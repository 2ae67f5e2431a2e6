import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { configOf, projectDir } from "./config-fixture.js";

const TASKS = `tasks:\n  a: { command: "true" }\n`;

describe("the state store is found from the config file", () => {
  const dir = projectDir([]);

  it("by default, .orchestrate/state.db next to the config file", () => {
    expect(configOf(TASKS, {}, dir).state).toBe(join(dir, ".orchestrate", "state.db"));
  });

  it("a relative state: is relative to the config file's folder", () => {
    expect(configOf(`state: data/runs.db\n${TASKS}`, {}, dir).state).toBe(join(dir, "data", "runs.db"));
  });

  it("an absolute path stays as it is", () => {
    expect(configOf(`state: /var/lib/orchestrate/state.db\n${TASKS}`, {}, dir).state).toBe("/var/lib/orchestrate/state.db");
  });

  it.each(["postgres://user@db1/orchestrate", "postgresql://db1:5432/orchestrate?sslmode=require"])("a URL stays as written: %s", (url) => {
    expect(configOf(`state: "${url}"\n${TASKS}`, {}, dir).state).toBe(url);
  });

  it("--state wins over the file, relative to the working directory", () => {
    expect(configOf(`state: data/runs.db\n${TASKS}`, { stateOverride: "other.db" }, dir).state).toBe(resolve(process.cwd(), "other.db"));
    expect(configOf(TASKS, { stateOverride: "postgres://db2/x" }, dir).state).toBe("postgres://db2/x");
  });
});
