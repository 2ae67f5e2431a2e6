/**
 * The state store on a full filesystem: runs keep starting, their records wait in memory, and all
 * of them land once there is space again. A small tmpfs is the full disk, so this needs root.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Daemon, historyOf, linesOf, tempProject, waitFor } from "../helpers/project.js";

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("a full disk under the state store (a 2 MiB tmpfs; needs root)", () => {
  const project = tempProject({
    "orchestration.yaml": `state: disk/state.db\ntasks:\n  tick:\n    cron: "* * * * * *"\n    scripts:\n      - path: tick.sh\n`,
    "tick.sh": `#!/usr/bin/env bash\necho "$ORCHESTRATE_RUN_ID" >> ticks.txt\n`,
  });
  const disk = project.path("disk");
  let daemon: Daemon | null = null;
  beforeAll(() => {
    mkdirSync(disk);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk]);
  });
  afterAll(() => {
    daemon?.kill();
    try {
      execFileSync("umount", ["-l", disk]);
    } finally {
      project.cleanup();
    }
  });

  it("loses no record: every run that ran is recorded once space returns; the error is logged once, recovery once it is true", async () => {
    const ticks = () => linesOf(project.path("ticks.txt"));
    daemon = new Daemon(["run"], { cwd: project.dir });
    await waitFor(() => ticks().length >= 1, { what: "a first run" });
    // Fill the filesystem: the next writes of the store fail with "database or disk is full".
    const filler = `${disk}/filler`;
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
    } catch {
      // dd stops with an error when the disk is full: that is the point.
    }
    await daemon.waitForOutput(/could not record .*(full|disk)/i);
    const whileFull = ticks().length;
    await waitFor(() => ticks().length >= whileFull + 5, { what: "five runs while the disk is full" });
    expect(daemon.output).not.toMatch(/writable again/);
    expect(daemon.output.match(/ERROR\s+could not record/g)).toHaveLength(1);
    rmSync(filler);
    writeFileSync(`${disk}/.space`, "");
    await daemon.waitForOutput(/state store is writable again/);
    expect(await daemon.stop()).toBe(0);

    const recorded = new Set((await historyOf(project.dir)).filter((r) => r.status === "succeeded").map((r) => String(r.id)));
    for (const id of ticks()) expect(recorded.has(id), `run ${id} ran but was not recorded`).toBe(true);
    expect(daemon.output).not.toMatch(/dropped a write/);
  });
});
