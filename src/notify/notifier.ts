/**
 * Notifications (SPEC §3 `notify:`): each run event on the bus goes to the destinations that want
 * it — the config's, and the task's (or workflow's) own — and heartbeats ping while the daemon is
 * healthy. A listener of the bus like the log: it never holds up a fire.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { NotifySpec, OrchestrationConfig } from "../config/model.js";
import type { EventBus } from "../events/bus.js";
import type { Executor } from "../run/executor.js";
import type { DeliveryRecord } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import { Destination, type DeliveryResult } from "./destination.js";
import { Heartbeat } from "./heartbeat.js";
import { NOTIFYING, notificationBody } from "./payload.js";

export interface NotifierOptions {
  config: Pick<OrchestrationConfig, "notify" | "tasks" | "workflows">;
  bus: EventBus;
  clock: Clock;
  executor: Executor;
  env: Record<string, string | undefined>;
  version: string;
  /** Keeps a delivery with its run (`show` lists them). */
  record(runId: number, delivery: DeliveryRecord): void;
  /** Whether the daemon is healthy enough for heartbeats (its store takes writes). */
  healthy(): boolean;
}

export class Notifier {
  private readonly destinations = new Map<string, Destination>();
  /** Each job's destinations: the config's and its own. */
  private readonly byJob = new Map<string, Destination[]>();
  private readonly global: Destination[];
  private readonly heartbeats: Heartbeat[] = [];
  private readonly offs: Array<() => void> = [];
  private readonly host = hostname();

  constructor(private readonly options: NotifierOptions) {
    const { config } = options;
    this.global = config.notify.flatMap((spec) => this.destination(spec));
    for (const job of [...config.tasks, ...config.workflows]) {
      const own = job.notify.flatMap((spec) => this.destination(spec));
      if (own.length > 0) this.byJob.set(job.name, [...this.global, ...own.filter((d) => !this.global.includes(d))]);
    }
    for (const spec of config.notify) {
      if (spec.kind !== "heartbeat") continue;
      const log = (level: "info" | "warn", message: string) => options.bus.emit("log", { level, message });
      this.heartbeats.push(new Heartbeat(spec, { clock: options.clock, version: options.version, healthy: options.healthy, log }));
    }
  }

  /** Whether anything is configured at all: a config without `notify:` costs nothing. */
  get active(): boolean {
    return this.destinations.size > 0 || this.heartbeats.length > 0;
  }

  start(withHeartbeats: boolean): void {
    const { bus } = this.options;
    for (const [, type] of Object.entries(NOTIFYING)) {
      this.offs.push(bus.on(type, (event) => this.notify(type, event as unknown as Record<string, unknown>)));
    }
    if (withHeartbeats) for (const heartbeat of this.heartbeats) heartbeat.start();
  }

  /** Stops listening and pinging; waits up to `timeoutMs` for what is queued, then drops the rest. */
  async stop(timeoutMs: number): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    for (const heartbeat of this.heartbeats) heartbeat.stop();
    const all = [...this.destinations.values()];
    const flushed = await Promise.all(all.map((d) => d.flush(timeoutMs)));
    all.forEach((destination, i) => {
      if (!flushed[i]) this.options.bus.emit("log", { level: "warn", message: `notifications to ${destination.name} not delivered before the stop were dropped` });
      destination.close();
    });
  }

  private destination(spec: NotifySpec): Destination[] {
    if (spec.kind === "heartbeat") return [];
    const key = JSON.stringify(spec);
    let destination = this.destinations.get(key);
    if (!destination) {
      const { clock, executor, env, version, bus } = this.options;
      destination = new Destination(spec, {
        clock,
        executor,
        env,
        version,
        settled: (result, name) => this.settled(result, name),
        dropped: (name, count) => {
          if (count === 1 || count % 100 === 0) bus.emit("log", { level: "warn", message: `notifications to ${name} pile up: dropped the oldest (${count} so far)` });
        },
      });
      this.destinations.set(key, destination);
    }
    return [destination];
  }

  private notify(type: string, event: Record<string, unknown>): void {
    const destinations = this.byJob.get(event.task as string) ?? this.global;
    const wanted = destinations.filter((d) => d.wants(type));
    if (wanted.length === 0) return;
    const body = notificationBody(type, event, randomUUID(), this.host);
    for (const destination of wanted) destination.send(body);
  }

  private settled(result: DeliveryResult, destination: string): void {
    const { body, ok, attempts, detail } = result;
    const { bus, clock } = this.options;
    bus.emit("notify.delivered", { destination, event: body.event, ok, attempts, runId: body.runId, task: body.task, detail });
    if (!ok) {
      bus.emit("log", {
        level: "warn",
        task: body.task,
        runId: body.runId ?? undefined,
        message: `could not notify ${destination} of ${body.event} after ${attempts} attempt(s): ${detail}`,
      });
    }
    if (body.runId !== null) {
      this.options.record(body.runId, { at: new Date(clock.now()).toISOString(), event: body.event, destination, status: ok ? "delivered" : "failed", attempts, detail });
    }
  }
}
