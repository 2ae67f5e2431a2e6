/**
 * A dead man's switch (healthchecks.io and the like): a GET every `every` while the daemon is
 * healthy — running, and its state store taking writes. When the pings stop, the service raises
 * the alarm; so a heartbeat is never sent for a daemon that cannot record what it runs.
 */
import type { NotifySpec } from "../config/model.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { formatDuration } from "../time/duration.js";
import { maskUrl } from "../util/url.js";

type HeartbeatSpec = Extract<NotifySpec, { kind: "heartbeat" }>;

export interface HeartbeatDeps {
  clock: Clock;
  version: string;
  healthy(): boolean;
  log(level: "info" | "warn", message: string): void;
}

export class Heartbeat {
  private timer: TimerHandle | null = null;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly spec: HeartbeatSpec,
    private readonly deps: HeartbeatDeps,
  ) {}

  /** Pings at once (the daemon is up), then every `every`. */
  start(): void {
    void this.ping();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async ping(): Promise<void> {
    if (this.stopped) return;
    if (this.deps.healthy()) {
      const url = maskUrl(this.spec.url);
      try {
        const response = await fetch(this.spec.url, { headers: { "user-agent": `orchestrate/${this.deps.version}` }, signal: AbortSignal.timeout(this.spec.timeoutMs) });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (this.failing) this.deps.log("info", `heartbeat ${url} answers again`);
        this.failing = false;
      } catch (error) {
        const why = (error as Error).name === "TimeoutError" ? `no answer within ${formatDuration(this.spec.timeoutMs)}` : (error as Error).message;
        // Once per outage: a receiver that is down must not fill the log every minute.
        if (!this.failing) this.deps.log("warn", `heartbeat ${url} failed: ${maskUrl(why)}`);
        this.failing = true;
      }
    }
    if (!this.stopped) this.timer = this.deps.clock.setTimer(this.spec.everyMs, () => void this.ping());
  }
}
