/** 10,000 tasks: armed with one timer, without a parsed cron per task. */
import { describe, expect, test } from "vitest";
import { MINUTE, cron, harness, task } from "./schedule-harness.js";

describe("many tasks", () => {
  test("10,000 cron and every tasks arm quickly, with ONE timer", async () => {
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"];
    const tasks = Array.from({ length: 10_000 }, (_, i) =>
      i % 5 === 0
        ? task(`every-${i}`, { kind: "every", intervalMs: (1 + (i % 7)) * MINUTE })
        : task(`cron-${i}`, cron(`${i % 60} ${i % 24} * * *`), { timezone: zones[i % zones.length] as string }),
    );
    const h = harness("2026-06-01T10:00:30Z", tasks);
    const started = performance.now();
    h.scheduler.start();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(h.clock.pendingTimers()).toBe(1);
    expect(h.scheduler.nextFires()).toHaveLength(10_000);
    await h.clock.advance(10 * MINUTE);
    expect(h.clock.pendingTimers()).toBe(1);
    h.scheduler.stop();
  });
});

