/**
 * `orchestrate run` reads its configuration in a child process (config/read-apart.ts): what comes
 * back must be exactly what the in-process loader makes, problems included. Needs the build
 * (dist/config/plan-child.js), as `npm test` makes it.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile, type LoadOptions } from "../../src/config/load.js";
import type { TaskSpec } from "../../src/config/model.js";
import { packTasks, unpackTasks } from "../../src/config/plan-tasks.js";
import { ConfigError } from "../../src/config/problems.js";
import { readConfigApart } from "../../src/config/read-apart.js";
import { sourceOf } from "../../src/config/source.js";
import { projectDir, yaml } from "./config-fixture.js";
import { SPEC_SAMPLE } from "./config-spec-sample.js";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");

function written(text: string): string {
  const file = join(projectDir(), "orchestration.yaml");
  writeFileSync(file, text);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("the config read in a child process is the config the loader makes", () => {
  const cases: Array<[string, string, LoadOptions]> = [
    ["the sample of SPEC §3", written(SPEC_SAMPLE), { runsTasks: false }],
    ...readdirSync(EXAMPLES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES, entry.name, "orchestration.yaml")))
      .map((entry): [string, string, LoadOptions] => [`examples/${entry.name}`, join(EXAMPLES, entry.name, "orchestration.yaml"), {}]),
    [
      "tasks that share most of their fields, and some that do not",
      written(yaml`
        defaults:
          timezone: Europe/Berlin
          retries: 2
        tasks:
          a: { cron: "5 * * * *", command: "true" }
          b: { cron: "5 * * * *", command: "true", env: { A: "1" } }
          c: { cron: "7 * * * *", command: "true", skip: [ { weekdays: [sat, sun] } ] }
          d: { every: 10m, command: "date", timezone: UTC, description: "the odd one" }
      `),
      {},
    ],
    ["a --state and an --api given on the command line", written(`tasks:\n  a: { cron: "5 * * * *", command: "true" }\n`), { stateOverride: "elsewhere.db", apiOverride: "127.0.0.1:7070" }],
  ];

  it.each(cases)("%s", async (_name, file, options) => {
    const { config, source } = await readConfigApart(file, options);
    expect(config).toStrictEqual(loadConfigFile(file, options));
    expect(source).toEqual(sourceOf(readFileSync(file, "utf8")));
  });

  it("a file with problems rejects with the same located problems, word for word", async () => {
    const file = written(`tasks:\n  a:\n    cron: "99 * * * * *"\n    command: "true"\n  b:\n    retries: many\n    timout: 1m\n`);
    const error = await rejection(readConfigApart(file));
    expect(error).toBeInstanceOf(ConfigError);
    let expected: unknown;
    try {
      loadConfigFile(file);
    } catch (thrown) {
      expected = thrown;
    }
    expect((error as ConfigError).message).toBe((expected as ConfigError).message);
    expect((error as ConfigError).problems).toEqual((expected as ConfigError).problems);
  });

  it("a file that is not there is one problem at 1:1, as the loader says it", async () => {
    const error = (await rejection(readConfigApart("/no/such/orchestration.yaml"))) as ConfigError;
    expect(error.message).toBe("/no/such/orchestration.yaml:1:1: cannot read /no/such/orchestration.yaml: no such file");
  });
});

describe("tasks cross from the child packed, and arrive sharing what they have alike", () => {
  const task = (name: string, expression: string, env: Record<string, string> = {}) =>
    ({ name, trigger: { kind: "cron", expression }, timezone: "UTC", env, skip: [], description: null }) as unknown as TaskSpec;
  const tasks = [task("a", "5 * * * *"), task("b", "5 * * * *"), task("c", "7 * * * *", { A: "1" })];

  it("each task is sent as the fields in which it differs from the most frequent values", () => {
    const { common, own } = packTasks(tasks);
    expect(common).toEqual({ name: "a", trigger: { kind: "cron", expression: "5 * * * *" }, timezone: "UTC", env: {}, skip: [], description: null });
    expect(own).toEqual([{}, { name: "b" }, { name: "c", trigger: { kind: "cron", expression: "7 * * * *" }, env: { A: "1" } }]);
  });

  it("unpacked, they are the tasks packed, and equal values are one frozen object", () => {
    const unpacked = unpackTasks(JSON.parse(JSON.stringify(packTasks(tasks))));
    expect(unpacked).toStrictEqual(tasks);
    expect(unpacked[0]!.trigger).toBe(unpacked[1]!.trigger);
    expect(unpacked[0]!.env).toBe(unpacked[1]!.env);
    expect(Object.isFrozen(unpacked[2]!.env)).toBe(true);
    expect(() => (unpacked[0]!.skip as unknown[]).push("x")).toThrow(TypeError);
  });
});
