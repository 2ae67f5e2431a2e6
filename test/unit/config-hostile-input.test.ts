import { describe, expect, it } from "vitest";
import { renderTemplate } from "../../src/config/templates.js";
import { taskFromValues } from "../../src/config/normalize.js";
import { problemsIn, taskOf } from "./config-fixture.js";

const SCRIPT = "scripts: [ { path: scripts/report.py } ]";

describe("names every JavaScript object already has are not task names", () => {
  it.each(["constructor", "toString", "hasOwnProperty", "valueOf"])("a task named %s is refused where it is written", (name) => {
    expect(problemsIn(`tasks:\n  ${name}:\n    ${SCRIPT}\n`)).toEqual([
      `2:3: tasks: task name "${name}" is taken by JavaScript itself (every object has it); choose another name`,
    ]);
  });

  it("a task named __proto__ is refused, not quietly dropped", () => {
    expect(problemsIn(`tasks:\n  __proto__:\n    ${SCRIPT}\n`)).toEqual(["2:3: `__proto__` cannot be a key: it means something else to JavaScript"]);
  });

  it("a task built in code is held to the same rule", () => {
    expect(() => taskFromValues("constructor", { command: "true" }, { dir: "/" })).toThrow(/task name "constructor" is taken by JavaScript itself/);
  });

  it("names that only look alike are fine", () => {
    expect(problemsIn(`tasks:\n  Constructor:\n    ${SCRIPT}\n  to-string:\n    ${SCRIPT}\n`)).toEqual([]);
  });
});

describe("__proto__ as a key anywhere is refused, not turned into [object Object]", () => {
  it.each([
    ["an env name", `tasks:\n  a:\n    ${SCRIPT}\n    env: { __proto__: x }\n`, "4:12"],
    ["a param name", `tasks:\n  a:\n    scripts: [ { path: scripts/report.py, params: { __proto__: x } } ]\n`, "3:53"],
    ["an http header", `tasks:\n  a:\n    http: { url: "https://example.com", headers: { __proto__: x } }\n`, "3:52"],
    ["a defaults env name", `defaults:\n  env: { __proto__: x }\ntasks:\n  a:\n    ${SCRIPT}\n`, "2:10"],
  ])("%s", (_what, text, at) => {
    expect(problemsIn(text)).toEqual([`${at}: \`__proto__\` cannot be a key: it means something else to JavaScript`]);
  });

  it("constructor and toString are plain names for variables and params", () => {
    const task = taskOf(`tasks:\n  a:\n    scripts: [ { path: scripts/report.py, params: { constructor: y, toString: z } } ]\n    env: { constructor: c }\n`);
    expect(task.env).toEqual({ constructor: "c" });
    expect(task.action.kind === "scripts" && task.action.scripts[0]!.params).toEqual([
      ["constructor", "y"],
      ["toString", "z"],
    ]);
  });
});

describe("{{ env.NAME }} reads the environment's own variables only", () => {
  const context = { task: "t", runId: 1, attempt: 1, scheduledAt: new Date(0), timezone: "UTC", env: { HOME: "/root" } };

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty"])("env.%s is empty when no such variable is set", (name) => {
    expect(renderTemplate(`[{{ env.${name} }}]`, context)).toBe("[]");
  });

  it("a variable that is set is its value", () => {
    expect(renderTemplate("{{ env.HOME }}", context)).toBe("/root");
    expect(renderTemplate("{{ env.constructor }}", { ...context, env: { constructor: "built" } })).toBe("built");
  });
});

describe("a NUL character, which no argument, variable or path can carry, is refused where it is written", () => {
  const NUL_MESSAGE = "must not contain a NUL character (\\0): no argument, environment variable or path can hold one";

  it.each([
    ["a param value", `tasks:\n  a:\n    scripts: [ { path: scripts/report.py, params: { day: "x\\0y" } } ]\n`, "3:58: tasks.a.scripts[0].params.day"],
    ["an env value", `tasks:\n  a:\n    ${SCRIPT}\n    env: { A: "x\\0y" }\n`, "4:15: tasks.a.env.A"],
    ["a script path", `tasks:\n  a:\n    scripts: [ { path: "scripts/report.py\\0" } ]\n`, "3:24: tasks.a.scripts[0].path"],
    ["a cwd", `tasks:\n  a:\n    ${SCRIPT}\n    cwd: "x\\0"\n`, "4:10: tasks.a.cwd"],
    ["a command", `tasks:\n  a:\n    command: "echo \\0"\n`, "3:14: tasks.a.command"],
    ["a skip file", `tasks:\n  a:\n    ${SCRIPT}\n    skip: [ { file_exists: "/run/x\\0" } ]\n`, "4:28: tasks.a.skip[0].file_exists"],
    ["the state path", `state: "s\\0.db"\ntasks:\n  a:\n    ${SCRIPT}\n`, "1:8: state"],
  ])("in %s", (_what, text, where) => {
    expect(problemsIn(text)).toEqual([`${where}: ${NUL_MESSAGE}`]);
  });

  it("in a param name or an env name", () => {
    expect(problemsIn(`tasks:\n  a:\n    scripts: [ { path: scripts/report.py, params: { "d\\0y": x } } ]\n`)).toEqual([
      `3:53: tasks.a.scripts[0].params: must not contain a NUL character (\\0): no argument, environment variable or path can hold one`,
    ]);
    expect(problemsIn(`tasks:\n  a:\n    ${SCRIPT}\n    env: { "A\\0": x }\n`)).toEqual([
      `4:12: tasks.a.env: expected a variable name without = or NUL, got "A\\u0000"`,
    ]);
  });
});

describe("YAML nested deeper than any configuration needs is a located error, not a stack overflow", () => {
  const deepBlock = (levels: number) => {
    let text = "tasks:\n  a:\n    command: echo\n    description:\n";
    let indent = "      ";
    for (let i = 0; i < levels; i++) {
      text += `${indent}a:\n`;
      indent += "  ";
    }
    return `${text}${indent}b\n`;
  };

  it("3,000 levels in block style", () => {
    // The 65th map from the root: the 62nd under `description`, on line 5 + 61, indented 2 more each time.
    expect(problemsIn(deepBlock(3_000))).toEqual(["66:129: maps and lists nested more than 64 levels deep: no orchestration.yaml needs that many"]);
  });

  it.each([3_000, 100_000])("%i levels in flow style", (levels) => {
    const text = `tasks: { a: { command: echo, description: ${"[".repeat(levels)}${"]".repeat(levels)} } }\n`;
    expect(problemsIn(text)).toEqual(["1:104: maps and lists nested more than 64 levels deep: no orchestration.yaml needs that many"]);
  });

  it("a few levels more than usual are judged by the schema as always", () => {
    expect(problemsIn(deepBlock(10))).toEqual(["5:7: tasks.a.description: expected text, got a map"]);
  });
});
