import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Daemon, tempProject, waitFor } from "../helpers/project.js";

describe("skip conditions and repeat", () => {
  const project = tempProject({
    "orchestration.yaml": `
tasks:
  maintenance-aware:
    cron: "* * * * * *"
    command: "echo ran >> ran.txt"
    skip:
      - file_exists: maintenance.flag
  per-bucket:
    cron: "* * * * * *"
    concurrency: forbid
    repeat:
      - path: sync.sh
        params: [ { bucket: a }, { bucket: b }, { bucket: c } ]
`,
    "maintenance.flag": "",
    "sync.sh": `#!/usr/bin/env bash
echo "$ORCHESTRATE_SCHEDULED_AT $2" >> synced.txt
`,
  });
  let daemon: Daemon | null = null;
  afterEach(() => {
    daemon?.kill();
    project.cleanup();
  });

  it("logs each skip with its reason, and runs the repeat script once per parameter set", async () => {
    daemon = new Daemon(["run"], { cwd: project.dir });
    await daemon.waitForOutput(/\[maintenance-aware#\d+\] skipped: file .*maintenance\.flag exists/);
    await waitFor(() => existsSync(project.path("synced.txt")) && readFileSync(project.path("synced.txt"), "utf8").split("\n").length > 6, {
      what: "two fires of per-bucket",
    });
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(project.path("ran.txt"))).toBe(false);

    const lines = readFileSync(project.path("synced.txt"), "utf8").trim().split("\n");
    const bySlot = new Map<string, string[]>();
    for (const line of lines) {
      const [slot, bucket] = line.split(" ");
      bySlot.set(slot!, [...(bySlot.get(slot!) ?? []), bucket!]);
    }
    const complete = [...bySlot.values()].filter((buckets) => buckets.length === 3);
    expect(complete.length).toBeGreaterThanOrEqual(2);
    for (const buckets of complete) expect(buckets).toEqual(["a", "b", "c"]);
  });
});
