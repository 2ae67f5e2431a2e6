import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Daemon, runCli } from "../helpers/project.js";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the sample orchestration.yaml at the repository root", () => {
  const state = mkdtempSync(join(tmpdir(), "orchestrate-sample-"));
  let daemon: Daemon | null = null;
  afterEach(() => daemon?.kill());
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it("validates", async () => {
    const result = await runCli(["validate"], { cwd: ROOT });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/heartbeat/);
    expect(result.stdout).toMatch(/next /);
  });

  it("runs out of the box and stops cleanly on SIGTERM", async () => {
    daemon = new Daemon(["run", "--state", join(state, "state.db")], { cwd: ROOT });
    await daemon.waitForOutput(/\[heartbeat#\d+\] stdout\| heartbeat at/, 20_000);
    expect(await daemon.stop()).toBe(0);
  });
});
