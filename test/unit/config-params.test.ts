import { describe, expect, it } from "vitest";
import type { ScriptSpec } from "../../src/config/model.js";
import { problemsIn, taskOf, yaml } from "./config-fixture.js";

function scriptsOf(text: string): ScriptSpec[] {
  const action = taskOf(text).action;
  if (action.kind !== "scripts") throw new Error("not a scripts task");
  return action.scripts;
}

describe("params reach the script in the order they are written", () => {
  it("including names that look like numbers, which plain objects would move first", () => {
    const [script] = scriptsOf(yaml`
      tasks:
        report:
          scripts:
            - path: scripts/report.py
              params: { region: eu, "2": second, day: today, "1": first }
    `);
    expect(script!.params).toEqual([
      ["region", "eu"],
      ["2", "second"],
      ["day", "today"],
      ["1", "first"],
    ]);
  });

  it("in each repeat set too", () => {
    const action = taskOf(yaml`
      tasks:
        sync:
          repeat:
            - path: scripts/sync.sh
              params:
                - { bucket: a, zone: "9" }
                - { zone: "8", bucket: b }
    `).action;
    expect(action.kind === "scripts" && action.repeat[0]!.paramSets).toEqual([
      [
        ["bucket", "a"],
        ["zone", "9"],
      ],
      [
        ["zone", "8"],
        ["bucket", "b"],
      ],
    ]);
  });
});

describe("param values are passed as the text written in the file", () => {
  it("numbers and booleans become strings exactly as written", () => {
    const [script] = scriptsOf(yaml`
      tasks:
        report:
          scripts:
            - path: scripts/report.py
              params: { zip: 01234, ratio: 1.50, big: 1e3, hex: 0x1F, flag: true, Flag: True, text: "007" }
    `);
    expect(Object.fromEntries(script!.params)).toEqual({ zip: "01234", ratio: "1.50", big: "1e3", hex: "0x1F", flag: "true", Flag: "True", text: "007" });
  });

  it("templates are kept for expansion at each run", () => {
    const [script] = scriptsOf(yaml`
      tasks:
        report:
          scripts:
            - path: scripts/report.py
              params: { day: "{{ scheduled_at | date: yyyy-MM-dd }}", who: "{{ env.USER }}" }
    `);
    expect(script!.params).toEqual([
      ["day", "{{ scheduled_at | date: yyyy-MM-dd }}"],
      ["who", "{{ env.USER }}"],
    ]);
  });

  it("nothing, a list or a map is not a value", () => {
    const problems = problemsIn(yaml`
      tasks:
        report:
          scripts:
            - path: scripts/report.py
              params:
                empty:
                list: [1, 2]
                map: { a: 1 }
    `);
    expect(problems).toEqual([
      '6:11: tasks.report.scripts[0].params.empty: expected text, a number or true/false (write "" for an empty value), got nothing',
      '7:17: tasks.report.scripts[0].params.list: expected text, a number or true/false (write "" for an empty value), got a list',
      '8:16: tasks.report.scripts[0].params.map: expected text, a number or true/false (write "" for an empty value), got a map',
    ]);
  });

  it("env values are strings as written too", () => {
    const task = taskOf(yaml`
      tasks:
        report:
          env: { PORT: 08080, DEBUG: false, NAME: x }
          command: "true"
    `);
    expect(task.env).toEqual({ PORT: "08080", DEBUG: "false", NAME: "x" });
  });
});
