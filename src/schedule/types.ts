/**
 * What the schedule works with: triggers as the config describes them, and the fires and missed
 * gaps it hands to the engine. Types only, shared by every module of schedule/ and above.
 */

export type Trigger =
  | { kind: "cron"; expression: string }
  | { kind: "reboot" }
  | { kind: "every"; intervalMs: number }
  | { kind: "at"; atMs: number }
  | { kind: "delay"; delayMs: number };

export type CatchUpPolicy = "none" | "latest" | "all";

export interface SchedulerTask {
  name: string;
  trigger: Trigger;
  timezone: string;
  jitterMs: number;
  catchUp: CatchUpPolicy;
  catchUpWindowMs: number;
}

export interface Fire {
  task: string;
  /** The scheduled instant: the identity of the fire (jitter delays the call, not this). */
  slotMs: number;
  kind: "schedule" | "catch_up";
  /** 1, or how many missed slots a catch_up: latest run stands for. */
  coveredSlots: number;
}

export interface MissedGap {
  task: string;
  count: number;
  /** The first and last missed slot. */
  fromMs: number;
  toMs: number;
}
