import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, tempProject } from "../helpers/project.js";

const EVIL = "$(touch /tmp/pwned); echo hacked";

describe("a script cannot be injected into a shell", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  bash-args:
    scripts:
      - path: args.sh
        params: { payload: "${EVIL.replaceAll('"', '\\"')}", day: "{{ scheduled_at | date: yyyy }}" }
  python-args:
    type: python
    scripts:
      - path: args.py
        params: { payload: "${EVIL}", quote: "it's \\"quoted\\" \`x\`" }
`,
    "args.sh": `#!/usr/bin/env bash
printf '%s\\n' "$@" > bash-argv.txt
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
