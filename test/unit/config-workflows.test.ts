/** `workflows:` in the file: the model the engine runs, and every mistake located. */
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "../../src/config/write-json-schema.js";
import { configOf, problemsIn, yaml } from "./config-fixture.js";

describe("a workflow loads into steps the engine runs", () => {
  const config = configOf(yaml`
    defaults:
      timezone: Europe/Berlin
      retries: 2
    workflows:
      etl:
        cron: "0 1 * * *"
        max_parallel: 4
        concurrency: queue
        steps:
          extract: { type: python, scripts: [ { path: etl/extract.py } ], rollback: { command: "etl/undo_extract.sh", retries: 1 } }
          transform:
            depends_on: [extract]
            scripts: [ { path: etl/transform.py, params: { rows: "{{ steps.extract.rows }}" } } ]
            retries: 0
          load: { depends_on: [transform], scripts: [ { path: etl/load.py } ] }
  `);
  const etl = config.workflows[0]!;

  it("with its trigger, timezone, concurrency and max_parallel, and the steps in the order written", () => {
    expect(etl).toMatchObject({ name: "etl", trigger: { kind: "cron", expression: "0 1 * * *" }, timezone: "Europe/Berlin", concurrency: "queue", maxParallel: 4 });
    expect(etl.steps.map((s) => [s.name, s.dependsOn])).toEqual([
      ["extract", []],
      ["transform", ["extract"]],
      ["load", ["transform"]],
    ]);
  });

  it("each step a task made by the same rules: defaults apply, its own value wins, no trigger of its own", () => {
    const [extract, transform, load] = etl.steps;
    expect(extract!.task).toMatchObject({ type: "python", retries: 2, trigger: null, timezone: "Europe/Berlin" });
    expect(transform!.task.retries).toBe(0);
    expect(load!.task.action).toMatchObject({ kind: "scripts", scripts: [{ displayPath: "etl/load.py" }] });
    expect(extract!.rollback).toMatchObject({ action: { kind: "command", command: "etl/undo_extract.sh" }, retries: 1 });
    expect(transform!.rollback).toBeNull();
  });

  it("tasks and workflows in one file share a namespace", () => {
    expect(problemsIn(yaml`
      tasks:
        etl: { command: "true" }
      workflows:
        etl:
          steps:
            a: { command: "true" }
    `)).toEqual(["4:3: workflows: a task is named `etl` too: tasks and workflows share one namespace, rename one"]);
  });
});

describe("a workflow's mistakes are each reported where they are written", () => {
  it("an unknown dependency, with the step probably meant", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            transform: { command: "true" }
            load: { depends_on: [transfrom], command: "true" }
    `)).toEqual(["5:28: workflows.w.steps.load.depends_on[0]: unknown step `transfrom`; did you mean `transform`?"]);
  });

  it("a step that depends on itself", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            a: { depends_on: [a], command: "true" }
    `)).toEqual(["4:25: workflows.w.steps.a.depends_on[0]: step `a` depends on itself: remove it from its own depends_on"]);
  });

  it("a cycle, naming its steps in the order they would run", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            extract: { depends_on: [load], command: "true" }
            transform: { depends_on: [extract], command: "true" }
            load: { depends_on: [transform], command: "true" }
    `)).toEqual(["5:33: workflows.w.steps.transform.depends_on[0]: steps depend on each other in a cycle: extract -> transform -> load -> extract"]);
  });

  it("a rollback with nothing to run", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            a: { command: "true", rollback: { retries: 2 } }
    `)).toEqual(["4:29: workflows.w.steps.a.rollback: nothing to run: give `scripts` (and/or `repeat`), `command` or `http`"]);
  });

  it("a template naming a step that does not run before this one", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            a: { command: "true" }
            b: { scripts: [ { path: scripts/sync.sh, params: { n: "{{ steps.a.rows }}" } } ] }
    `)).toEqual(["5:61: workflows.w.steps.b.scripts[0].params.n: `{{ steps.a.… }}` names a step that does not run before this one: add it to depends_on first"]);
  });

  it("a trigger on a step (it belongs to the workflow)", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          steps:
            a: { cron: "* * * * *", command: "true" }
    `)).toEqual(["4:12: workflows.w.steps.a: unknown key `cron`"]);
  });

  it("a workflow without steps", () => {
    expect(problemsIn(yaml`
      workflows:
        w:
          cron: "0 1 * * *"
    `)).toEqual(["3:5: workflows.w: missing `steps`: a workflow needs at least one step"]);
  });
});

describe("the JSON Schema for editors", () => {
  it("describes workflows, their steps and rollbacks", () => {
    const schema = configJsonSchema() as { properties: Record<string, any> };
    const workflow = schema.properties.workflows.additionalProperties;
    expect(Object.keys(workflow.properties)).toEqual(expect.arrayContaining(["cron", "max_parallel", "steps"]));
    const step = workflow.properties.steps.additionalProperties;
    expect(Object.keys(step.properties)).toEqual(expect.arrayContaining(["depends_on", "rollback", "scripts", "retries"]));
    expect(Object.keys(step.properties)).not.toContain("cron");
  });
});
