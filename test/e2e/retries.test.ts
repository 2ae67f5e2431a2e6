import { afterAll, describe, expect, it } from "vitest";
import { historyOf, runCli, tempProject } from "../helpers/project.js";

describe("retries", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  flaky:
    retries: 3
    retry_delay: 100ms
    scripts:
      - path: flaky.sh
  broken:
    retries: 3
    retry_delay: 100ms
    retry_max_delay: 200ms
    scripts:
      - path: broken.sh
`,
    "flaky.sh": `#!/usr/bin/env bash
n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
echo "attempt $ORCHESTRATE_ATTEMPT"
[ $n -ge 3 ] || { echo "not yet ($n)" >&2; exit 1; }
`,
    "broken.sh": `#!/usr/bin/env bash
echo "broken on attempt $ORCHESTRATE_ATTEMPT" >&2
exit 7
`,
  });
  afterAll(() => project.cleanup());

  it("a script that fails twice then succeeds with retries: 3 shows 3 attempts and succeeded", async () => {
    const result = await runCli(["trigger", "flaky"], { cwd: project.dir });
    expect(result.code).toBe(0);
    const [run] = await historyOf(project.dir, ["flaky"]);
    expect(run).toMatchObject({ task: "flaky", trigger: "manual", status: "succeeded", attempts: 3, exitCode: 0, error: null });
    expect(run!.invocations[0]).toMatchObject({ attempts: 3, status: "succeeded" });
    expect(run!.output).toMatch(/attempt 3/);
  });

  it("one that always fails shows 4 attempts, failed, and the last error", async () => {
    const result = await runCli(["trigger", "broken"], { cwd: project.dir });
    expect(result.code).toBe(1);
    const [run] = await historyOf(project.dir, ["broken"]);
    expect(run).toMatchObject({ status: "failed", attempts: 4, exitCode: 7 });
    expect(run!.error).toMatch(/broken\.sh: exited with code 7/);
    expect(run!.output).toMatch(/broken on attempt 4/);

    const show = await runCli(["show", String(run!.id)], { cwd: project.dir });
    expect(show.stdout).toMatch(/failed/);
    expect(show.stdout).toMatch(/attempts\s+4/);
    expect(show.stdout).toMatch(/exited with code 7/);
  });
});
