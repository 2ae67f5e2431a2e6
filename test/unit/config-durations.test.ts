import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/time/duration.js";
import { parseSize } from "../../src/config/size.js";

describe("durations: 500ms, 30s, 5m, 1h30m, 2d, or a number of seconds", () => {
  it.each<[string | number, number]>([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1.5h", 5_400_000],
    ["1m30s500ms", 90_500],
    ["0s", 0],
    [" 10s ", 10_000],
    ["90", 90_000],
    [45, 45_000],
    [0.5, 500],
    [0, 0],
  ])("%j is %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each<string | number>(["5 minutes", "5 minutes please", "5min", "", "abc", "1h30", "-5s", "5M", "s", "1x", "10s ago", -1, Number.NaN, Number.POSITIVE_INFINITY])(
    "%j is not a duration",
    (input) => {
      expect(parseDuration(input)).toBeNull();
    },
  );

  it.each([
    [500, "500ms"],
    [30_000, "30s"],
    [1_234, "1.2s"],
    [2_000, "2s"],
    [9_960, "10s"],
    [5_400_000, "1h30m"],
    [90_500, "1m31s"],
    [172_800_000, "2d"],
  ])("%d ms is written %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("sizes: 64KiB, 1MB, 512KB, or a number of bytes", () => {
  it.each<[string | number, number]>([
    ["64KiB", 65_536],
    ["1MB", 1_000_000],
    ["512KB", 512_000],
    ["512kb", 512_000],
    ["1.5 MiB", 1_572_864],
    ["100B", 100],
    ["2GiB", 2 * 1024 ** 3],
    [2048, 2048],
  ])("%j is %d bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each<string | number>(["64K", "lots", "", "1 TB", -1, 1.5])("%j is not a size", (input) => {
    expect(parseSize(input)).toBeNull();
  });
});
