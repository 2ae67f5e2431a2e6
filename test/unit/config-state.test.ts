import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { configOf, load, projectDir } from "./config-fixture.js";

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

describe("a state path that cannot hold a SQLite file is refused by validate, where it is written", () => {
  const dir = projectDir(["data/file.txt"]);
  const problems = (text: string, options = {}) => load(text, options, dir).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);

  it.each([
    ["/dev/null", "state: /dev/null is not a regular file (a device, pipe or socket): the state store is a SQLite file"],
    ["/proc/state.db", "state: /proc/state.db is on /proc, a view of the kernel, not a disk: the state store needs a real folder"],
    ["/proc/self/x/state.db", "state: /proc/self/x/state.db is on /proc, a view of the kernel, not a disk: the state store needs a real folder"],
    ["/sys/state.db", "state: /sys/state.db is on /sys, a view of the kernel, not a disk: the state store needs a real folder"],
  ])("%s", (path, message) => {
    expect(problems(`state: ${path}\n${TASKS}`)).toEqual([`1:8: ${message}`]);
  });

  it("a folder", () => {
    expect(problems(`state: data\n${TASKS}`)).toEqual([`1:8: state: ${join(dir, "data")} is a folder: name a file in it, e.g. ${join(dir, "data", "state.db")}`]);
  });

  it("a file where a folder of the path should be", () => {
    expect(problems(`state: data/file.txt/state.db\n${TASKS}`)).toEqual([`1:8: state: ${join(dir, "data", "file.txt")} is not a folder, so ${join(dir, "data", "file.txt", "state.db")} cannot be made`]);
  });

  it("--state is checked the same way", () => {
    expect(problems(TASKS, { stateOverride: "/proc/state.db" })).toEqual([
      "1:1: --state /proc/state.db is on /proc, a view of the kernel, not a disk: the state store needs a real folder",
    ]);
  });

  it("a file that does not exist yet, in folders that do not exist yet, is fine", () => {
    expect(problems(`state: new/deeper/state.db\n${TASKS}`)).toEqual([]);
  });
});
