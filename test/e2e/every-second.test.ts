import { afterEach, describe, expect, it } from "vitest";
import { Daemon, linesOf, tempProject, waitFor } from "../helpers/project.js";

describe("a per-second cron task", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  tick:
    cron: "* * * * * *"
    scripts:
      - path: tick.sh
`,
    "tick.sh": `#!/usr/bin/env bash
echo "$ORCHESTRATE_SCHEDULED_AT $(date +%s.%N)" >> ticks.txt
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => {
    daemon?.kill();
    project.cleanup();
  });

  it("fires once per second for 10 seconds, no second skipped or doubled, never early", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir });
    const ticks = () => linesOf(project.path("ticks.txt"));
    await waitFor(() => ticks().length >= 11, { timeoutMs: 30_000, what: "11 ticks" });
    expect(await daemon.stop()).toBe(0);

    const lines = ticks();
    const scheduled = lines.map((l) => Date.parse(l.split(" ")[0]!));
    for (let i = 1; i < scheduled.length; i++) expect(scheduled[i]! - scheduled[i - 1]!).toBe(1000);
    for (const line of lines) {
      const [slot, ran] = line.split(" ");
      expect(Number(ran) * 1000).toBeGreaterThanOrEqual(Date.parse(slot!));
    }
  });
});
