import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { historyOf, runCli, tempProject } from "../helpers/project.js";

const EVIL = "$(touch /tmp/pwned); echo hacked";

describe("a script cannot be injected into a shell", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  bash-args:
    scripts:
      - path: args.sh
        params: { payload: "${EVIL.replaceAll('"', '\\"')}", day: "{{ scheduled_at | date: yyyy }}" }
  from-program:
    repeat:
      - path: args.sh
        params_from: list.py
  python-args:
    type: python
    scripts:
      - path: args.py
        params: { payload: "${EVIL}", quote: "it's \\"quoted\\" \`x\`" }
`,
    "args.sh": `#!/usr/bin/env bash
printf '%s\\n' "$@" > bash-argv.txt
`,
    "list.py": `import json
print(json.dumps([{"value": "{{ task }}", "shell": "$(id)"}]))
`,
    "args.py": `import json, sys
open("python-argv.json", "w").write(json.dumps(sys.argv[1:]))
`,
  });
  afterAll(() => project.cleanup());

  it("passes a $(...) param value to bash as one literal argv element", async () => {
    rmSync("/tmp/pwned", { force: true });
    const result = await runCli(["trigger", "bash-args"], { cwd: project.dir });
    expect(result.code).toBe(0);
    const argv = readFileSync(project.path("bash-argv.txt"), "utf8").trimEnd().split("\n");
    expect(argv).toEqual(["--payload", EVIL, "--day", String(new Date().getFullYear())]);
    expect(existsSync("/tmp/pwned")).toBe(false);
    // The record shows what the script got, templates expanded.
    const [run] = await historyOf(project.dir, ["bash-args"]);
    expect(run!.invocations[0]!.params).toEqual([["payload", EVIL], ["day", String(new Date().getFullYear())]]);
  });

  it("passes values printed by a params_from program as data: no template, no shell", async () => {
    const result = await runCli(["trigger", "from-program"], { cwd: project.dir });
    expect(result.code).toBe(0);
    const argv = readFileSync(project.path("bash-argv.txt"), "utf8").trimEnd().split("\n");
    expect(argv).toEqual(["--value", "{{ task }}", "--shell", "$(id)"]);
  });

  it("passes quotes and backticks to python untouched", async () => {
    const result = await runCli(["trigger", "python-args"], { cwd: project.dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(project.path("python-argv.json"), "utf8"))).toEqual([
      "--payload",
      EVIL,
      "--quote",
      'it\'s "quoted" `x`',
    ]);
  });
});
