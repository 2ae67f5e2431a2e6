import { describe, expect, it } from "vitest";
import { isValidTimezone, systemTimezone, zonedWallTimeToEpoch } from "../../src/time/zones.js";
import { taskOf, yaml } from "./config-fixture.js";

const utc = (iso: string) => Date.parse(iso);

describe("at: a wall time means that time where the task lives", () => {
  it.each([
    ["2026-12-01T09:00", "Europe/Berlin", "2026-12-01T08:00:00Z"],
    ["2026-07-01T09:00:30", "Europe/Berlin", "2026-07-01T07:00:30Z"],
    ["2026-07-01 09:00", "America/New_York", "2026-07-01T13:00:00Z"],
    ["2026-12-01T09:00:00.250", "Asia/Kolkata", "2026-12-01T03:30:00.250Z"],
    ["2026-12-01T09:00", "UTC", "2026-12-01T09:00:00Z"],
  ])("%s in %s is %s", (local, zone, expected) => {
    expect(zonedWallTimeToEpoch(local, zone)).toBe(utc(expected));
  });

  it.each([
    ["2026-12-01T09:00Z", "2026-12-01T09:00:00Z"],
    ["2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00Z"],
    ["2026-12-01T09:00-0530", "2026-12-01T14:30:00Z"],
  ])("%s carries its own offset and ignores the zone", (text, expected) => {
    expect(zonedWallTimeToEpoch(text, "Asia/Tokyo")).toBe(utc(expected));
  });

  it("text that is not a real time is refused", () => {
    expect(() => zonedWallTimeToEpoch("2026-02-30T09:00", "UTC")).toThrow(RangeError);
    expect(() => zonedWallTimeToEpoch("2026-12-01", "UTC")).toThrow(/expected 2026-12-01T09:00/);
    expect(() => zonedWallTimeToEpoch("tomorrow", "UTC")).toThrow(RangeError);
  });
});

describe("a time skipped by a spring-forward jump runs right after the jump", () => {
  it.each([
    ["2026-03-29T02:30", "Europe/Berlin", "2026-03-29T01:00:00Z"],
    ["2026-03-29T02:00", "Europe/Berlin", "2026-03-29T01:00:00Z"],
    ["2026-03-08T02:30", "America/New_York", "2026-03-08T07:00:00Z"],
    // Lord Howe moves by half an hour: 02:00 → 02:30 (+10:30 → +11).
    ["2026-10-04T02:15", "Australia/Lord_Howe", "2026-10-03T15:30:00Z"],
  ])("%s in %s is %s", (local, zone, expected) => {
    expect(zonedWallTimeToEpoch(local, zone)).toBe(utc(expected));
  });

  it("the first existing minute after the gap is itself", () => {
    expect(zonedWallTimeToEpoch("2026-03-29T03:00", "Europe/Berlin")).toBe(utc("2026-03-29T01:00:00Z"));
    expect(zonedWallTimeToEpoch("2026-03-29T01:59", "Europe/Berlin")).toBe(utc("2026-03-29T00:59:00Z"));
  });
});

describe("a time that happens twice on a fall-back day means the first time", () => {
  it.each([
    ["2026-10-25T02:30", "Europe/Berlin", "2026-10-25T00:30:00Z"],
    ["2026-11-01T01:30", "America/New_York", "2026-11-01T05:30:00Z"],
    ["2026-04-05T01:45", "Australia/Lord_Howe", "2026-04-04T14:45:00Z"],
  ])("%s in %s is %s", (local, zone, expected) => {
    expect(zonedWallTimeToEpoch(local, zone)).toBe(utc(expected));
  });
});

describe("the loader turns at: into an instant in the task's timezone", () => {
  it("including a time in the DST gap", () => {
    const task = taskOf(yaml`
      tasks:
        once:
          at: 2026-03-29T02:30
          timezone: Europe/Berlin
          command: "true"
    `);
    expect(task.trigger).toEqual({ kind: "at", atMs: utc("2026-03-29T01:00:00Z") });
  });

  it("with the zone from defaults", () => {
    const task = taskOf(yaml`
      defaults: { timezone: America/New_York }
      tasks:
        once: { at: "2026-12-01T09:00", command: "true" }
    `);
    expect(task.trigger).toEqual({ kind: "at", atMs: utc("2026-12-01T14:00:00Z") });
  });
});

describe("timezones", () => {
  it("IANA names, in any case, are valid; offsets and typos are not", () => {
    expect(isValidTimezone("Europe/Berlin")).toBe(true);
    expect(isValidTimezone("europe/berlin")).toBe(true);
    expect(isValidTimezone("UTC")).toBe(true);
    expect(isValidTimezone("Europe/Berln")).toBe(false);
    expect(isValidTimezone("+01:00")).toBe(false);
    expect(isValidTimezone("")).toBe(false);
  });

  it("a task without one runs in the system zone", () => {
    expect(isValidTimezone(systemTimezone())).toBe(true);
    expect(taskOf(`tasks:\n  a: { command: "true" }\n`).timezone).toBe(systemTimezone());
  });
});
