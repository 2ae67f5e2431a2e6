import { describe, expect, test, vi } from "vitest";
import { ManualClock } from "../../src/time/clock.js";
import { Scheduler } from "../../src/schedule/scheduler.js";
import { cron, iso, task } from "./schedule-harness.js";

import type { Fire } from "../../src/schedule/types.js";

/** What happened, in order: a fire, or a next slot worked out (a croner computation). */
const events: string[] = [];

vi.mock("../../src/schedule/trigger.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/schedule/trigger.js")>();
  return {
    ...original,
    nextFireAfter: (...args: Parameters<typeof original.nextFireAfter>) => {
      events.push("next");
      return original.nextFireAfter(...args);
    },
  };
});

function scheduler(start: string, count: number, onFire: (fire: Fire, s: Scheduler) => void) {
  const clock = new ManualClock(start);
  const tasks = Array.from({ length: count }, (_, i) => task(`t${i}`, cron("* * * * * *"), { timezone: "Europe/Berlin" }));
  const s: Scheduler = new Scheduler({ clock, tasks, onFire: (fire) => onFire(fire, s) });
  return { clock, s, tasks };
}

describe("100 tasks due the same second", () => {
  test("all fire before any next slot is worked out; each then gets its next slot", async () => {
    const { clock, s } = scheduler("2026-06-01T10:00:00.500Z", 100, (fire) => events.push(`fire ${iso(fire.slotMs)}`));
    s.start();
    events.length = 0;
    await clock.advance(500);
    const firstNext = events.indexOf("next");
    expect(events.slice(0, firstNext)).toEqual(Array(100).fill("fire 2026-06-01T10:00:01.000Z"));
    expect(events.slice(firstNext)).toEqual(Array(100).fill("next"));
    expect(s.nextFires().map((f) => iso(f.atMs))).toEqual(Array(100).fill("2026-06-01T10:00:02.000Z"));
    await clock.advance(1_000);
    expect(events.filter((e) => e === "fire 2026-06-01T10:00:02.000Z")).toHaveLength(100);
    s.stop();
  });

  test("a reload between the fires and their re-arming fires nothing twice and loses nothing", async () => {
    const fired: string[] = [];
    const { clock, s, tasks } = scheduler("2026-06-01T10:00:00.900Z", 10, (fire, self) => {
      fired.push(`${fire.task} ${iso(fire.slotMs)}`);
      // Reloaded from inside the tick, before the next slots are worked out.
      if (fired.length === 5) self.reconfigure(tasks);
    });
    s.start();
    await clock.advance(3_100);
    expect(new Set(fired).size).toBe(fired.length);
    // Slots 01, 02, 03 and 04 of each of the 10 tasks.
    expect(fired).toHaveLength(40);
    s.stop();
  });
});
