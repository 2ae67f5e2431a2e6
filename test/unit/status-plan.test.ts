import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configOf } from "./config-fixture.js";
import { statusPlanKey } from "../../src/config/source.js";
import { planPath, readStatusPlan, writeStatusPlan } from "../../src/engine/status-plan.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the status plan", () => {
  const yaml = `
tasks:
  nightly:
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    command: "true"
    skip:
      - weekdays: [sat, sun]
      - command: "test -f /tmp/nope"
workflows:
  flow:
    every: 1h
    steps:
      one: { command: "true" }
`;

  it("keeps, beside a SQLite state, each job's trigger, zone and the skip rules judged ahead", () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestrate-plan-"));
    dirs.push(dir);
    const config = { ...configOf(yaml), state: join(dir, "state.db") };
    writeStatusPlan(config, statusPlanKey(yaml, "1.2.3"));
    const plan = readStatusPlan(planPath(config.state)!, yaml, "1.2.3")!;
    expect(plan.state).toBe(config.state);
    expect(plan.jobs).toEqual([
      { name: "nightly", kind: "task", description: null, trigger: { kind: "cron", expression: "30 2 * * *" }, timezone: "Europe/Berlin", skip: [{ kind: "weekdays", days: [0, 6] }] },
      expect.objectContaining({ name: "flow", kind: "workflow", trigger: { kind: "every", intervalMs: 3_600_000 } }),
    ]);
    expect(JSON.parse(readFileSync(planPath(config.state)!, "utf8")).key).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is not used for another text of the file, another version, or another TZ", () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestrate-plan-"));
    dirs.push(dir);
    const config = { ...configOf(yaml), state: join(dir, "state.db") };
    writeStatusPlan(config, statusPlanKey(yaml, "1.2.3"));
    const path = planPath(config.state)!;
    expect(readStatusPlan(path, yaml + "\n", "1.2.3")).toBeNull();
    expect(readStatusPlan(path, yaml, "1.2.4")).toBeNull();
    const tz = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      expect(readStatusPlan(path, yaml, "1.2.3")).toBeNull();
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(readStatusPlan(join(dir, "missing.json"), yaml, "1.2.3")).toBeNull();
  });

  it("is kept only beside a SQLite file", () => {
    expect(planPath("postgres://db/ops")).toBeNull();
    expect(planPath(":memory:")).toBeNull();
    expect(planPath("/var/lib/orchestrate/state.db")).toBe("/var/lib/orchestrate/status-plan.json");
  });
});
