import { describe, expect, it } from "vitest";
import { retryDelay } from "../../src/run/backoff.js";

const noJitter = () => 0;
const fullJitter = () => 0.999999;

describe("retries wait longer after each failure, up to retry_max_delay", () => {
  it("doubles from retry_delay", () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 10_000, 600_000, noJitter))).toEqual([10_000, 20_000, 40_000, 80_000]);
  });

  it("stops growing at the cap, however many attempts failed", () => {
    expect(retryDelay(7, 10_000, 600_000, noJitter)).toBe(600_000);
    expect(retryDelay(5_000, 10_000, 600_000, noJitter)).toBe(600_000);
  });

  it("jitter takes off at most 20%, so it never waits longer than the cap nor retries at once", () => {
    expect(retryDelay(1, 10_000, 600_000, fullJitter)).toBe(8_000);
    for (let i = 0; i < 1000; i++) {
      const attempt = 1 + (i % 12);
      const delay = retryDelay(attempt, 10_000, 600_000, Math.random);
      const nominal = Math.min(600_000, 10_000 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(delay).toBeLessThanOrEqual(nominal);
    }
  });

  it("odd inputs still give a delay between 0 and the cap", () => {
    expect(retryDelay(0, 10_000, 600_000, noJitter)).toBe(10_000);
    expect(retryDelay(1, 10_000, 5_000, noJitter)).toBe(5_000);
    expect(retryDelay(1, -5, 600_000, noJitter)).toBe(0);
    expect(retryDelay(1, 10_000, 600_000, () => NaN)).toBe(10_000);
    expect(retryDelay(1, 10_000, 600_000, () => 7)).toBe(8_000);
  });
});
