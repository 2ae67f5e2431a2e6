import { describe, expect, it } from "vitest";
import { closest, editDistance, suggestTimezone } from "../../src/config/suggest.js";

describe("did you mean: the closest name, if it is close enough to be a typo", () => {
  it.each([
    ["timezon", "timezone"],
    ["retires", "retries"],
    ["Timezone", "timezone"],
    ["kil_grace", "kill_grace"],
    ["catchup", "catch_up"],
  ])("%s → %s", (typo, meant) => {
    expect(closest(typo, ["timezone", "retries", "kill_grace", "catch_up", "cron", "at"])).toBe(meant);
  });

  it("nothing when every name is far off", () => {
    expect(closest("frobnicate", ["timezone", "retries", "cron"])).toBeNull();
    expect(closest("xy", ["at"])).toBeNull();
  });

  it("a swap of two neighbouring letters is one edit", () => {
    expect(editDistance("retires", "retries")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("timezone suggestions", () => {
  it.each([
    ["Europe/Berln", "Europe/Berlin"],
    ["Berlin", "Europe/Berlin"],
    ["new york", "America/New_York"],
    ["UTc", "UTC"],
    ["America/NewYork", "America/New_York"],
  ])("%s → %s", (typo, meant) => {
    expect(suggestTimezone(typo)).toBe(meant);
  });
});
