/**
 * `orchestrate why`: cron's oldest question, answered from what the store recorded, for each kind
 * of answer: a fire that ran, one a weekday rule skipped, one blocked by `forbid`, one while the
 * task was paused, one missed while the daemon was down, and a time the schedule never called for.
 */
import { describe, expect, it } from "vitest";
import type { WhyAnswer } from "../../src/engine/why.js";
import { historyOf, runCli, waitFor, scratchPerTest } from "../helpers/project.js";

const scratch = scratchPerTest();
const { project } = scratch;
const daemon = (dir: string) => scratch.daemon(["run"], dir);

async function why(dir: string, task: string, at?: string): Promise<{ json: WhyAnswer; text: string }> {
  const args = ["why", task, ...(at ? ["--at", at] : [])];
  const text = await runCli(args, { cwd: dir });
  const json = await runCli([...args, "--json"], { cwd: dir });
  expect(text.code, text.stderr).toBe(0);
  expect(json.code, json.stderr).toBe(0);
  return { json: JSON.parse(json.stdout) as WhyAnswer, text: text.stdout };
}

const EVERY_DAY = "[sun, mon, tue, wed, thu, fri, sat]";

describe("orchestrate why", () => {
  it("explains a fire that ran, one skipped by a weekday rule, one blocked by forbid, one while paused", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  fine:
    cron: "* * * * * *"
    timezone: UTC
    command: "true"
  weekdays:
    cron: "* * * * * *"
    timezone: UTC
    command: "true"
    skip:
      - weekdays: ${EVERY_DAY}
  slow:
    cron: "* * * * * *"
    timezone: UTC
    concurrency: forbid
    command: "sleep 3"
  held:
    cron: "* * * * * *"
    timezone: UTC
    command: "true"
`,
    });
    expect((await runCli(["pause", "held"], { cwd: p.dir })).code).toBe(0);
    const d = daemon(p.dir);
    await waitFor(
      async () => {
        const runs = await historyOf(p.dir);
        const has = (task: string, status: string) => runs.some((r) => r.task === task && r.status === status);
        return has("fine", "succeeded") && has("weekdays", "skipped") && has("slow", "skipped") && has("held", "skipped");
      },
      { what: "a run, a weekday skip, a forbid skip and a paused skip", timeoutMs: 30_000 },
    );
    expect(await d.stop()).toBe(0);
    const runs = await historyOf(p.dir);
    const first = (task: string, status: string) => runs.find((r) => r.task === task && r.status === status)!;

    const ran = first("fine", "succeeded");
    const fine = await why(p.dir, "fine", ran.scheduledAt!);
    expect(fine.json).toMatchObject({ verdict: "ran", fire: ran.scheduledAt, dueAtAsked: true, run: { id: ran.id, status: "succeeded" } });
    expect(fine.text).toMatch(new RegExp(`ran: run ${ran.id} succeeded, started .*, took .*, exit code 0`));

    const skipped = first("weekdays", "skipped");
    const weekday = await why(p.dir, "weekdays", skipped.scheduledAt!);
    expect(weekday.json).toMatchObject({ verdict: "skipped", run: { id: skipped.id } });
    expect(weekday.text).toMatch(/was skipped: it is \w+day \(skip\.weekdays\)/);

    const blockedRecord = first("slow", "skipped");
    const blocker = first("slow", "succeeded");
    const blocked = await why(p.dir, "slow", blockedRecord.scheduledAt!);
    expect(blocked.json).toMatchObject({ verdict: "blocked", run: { id: blockedRecord.id } });
    expect(blocked.text).toContain(`run ${blocker.id} was still running (concurrency: forbid)`);

    const heldRecord = first("held", "skipped");
    const held = await why(p.dir, "held", heldRecord.scheduledAt!);
    expect(held.json).toMatchObject({ verdict: "paused", run: { id: heldRecord.id } });
    expect(held.text).toContain("the task was paused (orchestrate resume held");

    // A later fire of a skip streak is covered by the streak's one record.
    const streakEnd = /to (\S+)$/.exec(first("held", "skipped").reason!)?.[1];
    if (streakEnd) expect((await why(p.dir, "held", streakEnd)).json).toMatchObject({ verdict: "paused", fire: new Date(streakEnd).toISOString() });
  }, 60_000);

  it("explains a fire missed while the daemon was down, with the window it was down", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  tick:
    cron: "* * * * * *"
    timezone: UTC
    command: "true"
`,
    });
    const first = daemon(p.dir);
    await waitFor(async () => (await historyOf(p.dir)).some((r) => r.status === "succeeded"), { what: "a first run" });
    expect(await first.stop()).toBe(0);
    const stoppedAt = Date.now();
    // Down for at least three scheduled seconds: the restart records them as missed (catch_up: none).
    await waitFor(() => Date.now() > stoppedAt + 3500, { what: "three seconds of downtime", timeoutMs: 10_000 });
    const second = daemon(p.dir);
    await waitFor(async () => (await historyOf(p.dir)).some((r) => r.status === "missed"), { what: "the missed gap's record" });
    expect(await second.stop()).toBe(0);

    const gap = (await historyOf(p.dir)).find((r) => r.status === "missed")!;
    const { json, text } = await why(p.dir, "tick", gap.scheduledAt!);
    expect(json).toMatchObject({ verdict: "missed", run: { id: gap.id } });
    expect(text).toMatch(/was missed: the daemon was down from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, and catch_up did not run it/);
    expect(text).toMatch(/covers the \d+ fire\(s\) from/);
  }, 60_000);

  it("says when the schedule never called for a fire at that time, and names the nearest fires either side", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  nightly:
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    command: "true"
  once:
    at: 2030-01-01T09:00
    timezone: UTC
    command: "true"
  manual:
    command: "true"
`,
    });
    const { json, text } = await why(p.dir, "nightly", "2026-11-29T14:00");
    expect(json).toMatchObject({
      verdict: "not_recorded",
      dueAtAsked: false,
      fire: "2026-11-29T01:30:00.000Z",
      previousFire: "2026-11-29T01:30:00.000Z",
      nextFire: "2026-11-30T01:30:00.000Z",
    });
    expect(text).toContain(
      'The schedule of nightly (cron "30 2 * * *" in Europe/Berlin) did not call for a fire at 2026-11-29 14:00:00 CET: its nearest fires are 2026-11-29 02:30:00 CET before and 2026-11-30 02:30:00 CET after.',
    );
    // A one-shot asked about before its time: nothing before it, its fire after.
    expect((await why(p.dir, "once", "2029-06-01T00:00Z")).json).toMatchObject({ verdict: "not_scheduled", previousFire: null, nextFire: "2030-01-01T09:00:00.000Z" });
    expect((await why(p.dir, "manual")).text).toContain("manual has no schedule: it runs only when triggered");
    // A spring-forward day: 02:30 does not exist in Berlin, the fire is right after the jump.
    expect((await why(p.dir, "nightly", "2026-03-29T03:00")).json).toMatchObject({ dueAtAsked: true, fire: "2026-03-29T01:00:00.000Z" });
  });

  it("refuses an unknown task and a time it cannot read, without a stack trace", async () => {
    const p = project({ "orchestration.yaml": "tasks:\n  a:\n    every: 1h\n    command: \"true\"\n" });
    const unknown = await runCli(["why", "b"], { cwd: p.dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no task or workflow named "b"/);
    const badTime = await runCli(["why", "a", "--at", "yesterday"], { cwd: p.dir });
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/--at "yesterday" is not a time/);
    expect(unknown.stderr + badTime.stderr).not.toMatch(/\n\s+at /);
  });
});
