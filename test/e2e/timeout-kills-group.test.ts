import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { alive, runCli, tempProject, waitFor } from "../helpers/project.js";

describe("a hanging script is killed with its children at its timeout", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  hang:
    timeout: 1s
    kill_grace: 1s
    scripts:
      - path: hang.sh
`,
    "hang.sh": `#!/usr/bin/env bash
sleep 999 &
echo $! > child.pid
echo $$ > main.pid
trap '' TERM
wait
`,
  });
  afterAll(() => project.cleanup());

  it("kills the script and its background child, records the timeout, and leaves no process", async () => {
    const result = await runCli(["trigger", "hang"], { cwd: project.dir, timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/timed out after 1s/);
    const child = Number(readFileSync(project.path("child.pid"), "utf8"));
    const main = Number(readFileSync(project.path("main.pid"), "utf8"));
    await waitFor(() => !alive(child) && !alive(main), { timeoutMs: 5_000, what: "the script and its child to be gone" });
  });
});
