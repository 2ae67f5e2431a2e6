import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SkipRule } from "../../src/config/model.js";
import { LocalExecutor } from "../../src/run/local-executor.js";
import { evaluateSkips, type SkipContext } from "../../src/run/skip.js";
import { makeTempDir, writeScript } from "../helpers/run.js";

const temp = makeTempDir();

async function firstSkipReason(rules: SkipRule[], context: SkipContext): Promise<string | null> {
  return (await evaluateSkips(rules, context)).reason;
}
afterAll(() => temp.remove());

/** Friday 23:30 UTC: already Saturday 00:30 in Berlin, still Friday 18:30 in New York. */
const FRIDAY_NIGHT_UTC = new Date("2026-03-06T23:30:00Z");

function ctx(overrides: Partial<SkipContext> = {}): SkipContext {
  return {
    task: "nightly-report",
    scheduledAt: FRIDAY_NIGHT_UTC,
    timezone: "Europe/Berlin",
    cwd: temp.dir,
    env: { PATH: process.env.PATH! },
    executor: new LocalExecutor(),
    ...overrides,
  };
}

describe("weekdays and dates are judged on the task's wall clock", () => {
  const weekend: SkipRule = { kind: "weekdays", days: [6, 0] };

  it("a fire that is Saturday in the task's timezone is skipped, naming the day", async () => {
    expect(await firstSkipReason([weekend], ctx())).toBe("it is Saturday (skip.weekdays)");
  });

  it("the same instant is still Friday in New York, so it runs there", async () => {
    expect(await firstSkipReason([weekend], ctx({ timezone: "America/New_York" }))).toBeNull();
  });

  it("a date inside a range, or equal to a single date, is skipped with the range it fell in", async () => {
    const dates: SkipRule = { kind: "dates", ranges: [{ from: "2026-12-25", to: "2026-12-25" }, { from: "2026-12-24", to: "2026-12-31" }] };
    expect(await firstSkipReason([dates], ctx({ scheduledAt: new Date("2026-12-25T08:00:00Z") }))).toBe("2026-12-25 is in skip.dates (2026-12-25)");
    expect(await firstSkipReason([dates], ctx({ scheduledAt: new Date("2026-12-30T08:00:00Z") }))).toBe("2026-12-30 is in skip.dates (2026-12-24..2026-12-31)");
    // 23:30 UTC on the 31st is already 2027 in Berlin.
    expect(await firstSkipReason([dates], ctx({ scheduledAt: new Date("2026-12-31T23:30:00Z") }))).toBeNull();
  });
});

describe("conditions checked on the machine at fire time", () => {
  it("a skip command that exits 0 skips; one that exits non-zero does not", async () => {
    const marker = join(temp.dir, "maintenance");
    const rule: SkipRule = { kind: "command", command: `test -f ${marker}` };
    expect(await firstSkipReason([rule], ctx())).toBeNull();
    writeScript(temp.dir, "maintenance", "");
    expect(await firstSkipReason([rule], ctx())).toBe(`skip.command "test -f ${marker}" exited 0`);
  });

  it("a skip command runs in the task's folder with the task's environment", async () => {
    const rule: SkipRule = { kind: "command", command: 'test "$MODE" = quiet && test -f ./here' };
    writeScript(temp.dir, "here", "");
    expect(await firstSkipReason([rule], ctx({ env: { PATH: process.env.PATH!, MODE: "quiet" } }))).not.toBeNull();
  });

  it("a skip command that cannot start does not skip, and says why", async () => {
    const result = await evaluateSkips([{ kind: "command", command: "true" }], ctx({ cwd: join(temp.dir, "gone") }));
    expect(result.reason).toBeNull();
    expect(result.errors).toEqual([`skip.command "true" could not start bash: working directory ${join(temp.dir, "gone")} does not exist or is not a directory; not skipped`]);
  });

  it("a file that exists skips; a missing one does not", async () => {
    const path = join(temp.dir, "flag");
    expect(await firstSkipReason([{ kind: "file_exists", path }], ctx())).toBeNull();
    writeScript(temp.dir, "flag", "");
    expect(await firstSkipReason([{ kind: "file_exists", path }], ctx())).toBe(`file ${path} exists (skip.file_exists)`);
  });

  it("an environment variable skips when set and non-empty", async () => {
    const rule: SkipRule = { kind: "env", name: "SKIP_REPORTS" };
    expect(await firstSkipReason([rule], ctx({ env: {} }))).toBeNull();
    expect(await firstSkipReason([rule], ctx({ env: { SKIP_REPORTS: "" } }))).toBeNull();
    expect(await firstSkipReason([rule], ctx({ env: { SKIP_REPORTS: "1" } }))).toBe("environment variable SKIP_REPORTS is set (skip.env)");
  });
});

describe("predicates from the library API", () => {
  it("a true predicate skips with its description, and sees the fire", async () => {
    const seen: unknown[] = [];
    const rule: SkipRule = { kind: "predicate", describe: "holiday calendar says so", test: async (fire) => (seen.push(fire), true) };
    expect(await firstSkipReason([rule], ctx())).toBe("holiday calendar says so");
    expect(seen).toEqual([{ task: "nightly-report", scheduledAt: FRIDAY_NIGHT_UTC, timezone: "Europe/Berlin" }]);
  });

  it("a predicate that throws does not skip, and its error is reported", async () => {
    const rule: SkipRule = { kind: "predicate", describe: "calendar", test: () => { throw new Error("calendar API down"); } };
    expect(await evaluateSkips([rule], ctx())).toEqual({ reason: null, errors: ['skip predicate "calendar" threw: calendar API down; not skipped'] });
  });
});

describe("several conditions", () => {
  it("are judged in order and the first that holds wins; later ones are not run", async () => {
    let laterRan = false;
    const rules: SkipRule[] = [
      { kind: "env", name: "NOT_SET" },
      { kind: "predicate", describe: "broken", test: () => Promise.reject(new Error("boom")) },
      { kind: "weekdays", days: [6] },
      { kind: "predicate", describe: "later", test: () => (laterRan = true) },
    ];
    const result = await evaluateSkips(rules, ctx());
    expect(result).toEqual({ reason: "it is Saturday (skip.weekdays)", errors: ['skip predicate "broken" threw: boom; not skipped'] });
    expect(laterRan).toBe(false);
  });

  it("no conditions: the fire runs", async () => {
    expect(await evaluateSkips([], ctx())).toEqual({ reason: null, errors: [] });
  });
});
