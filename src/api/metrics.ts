/**
 * GET /metrics: Prometheus metrics, fed by the event bus like any other sink, in a registry of
 * their own (an embedding program's global registry is left alone). Gauges that describe how
 * things stand now (next fires, store write retries) are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { EventBus } from "../events/bus.js";

export interface MetricsSources {
  bus: EventBus;
  /** Every scheduled task's and workflow's next fire. */
  nextFires(): Array<{ task: string; atMs: number }>;
  /** Writes the store refused and the recorder tried again, since start. */
  writeRetries(): number;
}

/** Seconds: from a quick script to an hourly batch job. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Seconds a start comes after its scheduled time: a healthy daemon stays in the first buckets. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const ENDED = ["succeeded", "failed", "skipped", "cancelled", "interrupted"] as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly offs: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const { bus } = sources;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const runs = new Counter({ name: "orchestrate_runs_total", help: "Runs that ended, by task and final status (missed: fires that fell in downtime)", labelNames: ["task", "status"], registers });
    const duration = new Histogram({ name: "orchestrate_run_duration_seconds", help: "How long runs took, from start to end, by task and status", labelNames: ["task", "status"], buckets: DURATION_BUCKETS, registers });
    const lag = new Histogram({ name: "orchestrate_fire_lag_seconds", help: "How late scheduled runs (and one-offs) started after their scheduled time", labelNames: ["task"], buckets: LAG_BUCKETS, registers });
    const running = new Map<number, string>();
    new Gauge({
      name: "orchestrate_runs_running",
      help: "Runs going now, by task",
      labelNames: ["task"],
      registers,
      collect() {
        this.reset();
        for (const task of running.values()) this.inc({ task });
      },
    });
    new Gauge({
      name: "orchestrate_next_fire_timestamp_seconds",
      help: "When each task (or workflow) fires next, in Unix seconds (absent: no next fire)",
      labelNames: ["task"],
      registers,
      collect() {
        this.reset();
        for (const { task, atMs } of sources.nextFires()) this.set({ task }, atMs / 1000);
      },
    });
    const late = new Counter({ name: "orchestrate_late_fires_total", help: "Fires not succeeded within their deadline (run.late)", labelNames: ["task"], registers });
    const missed = new Counter({ name: "orchestrate_missed_fires_total", help: "Scheduled fires never started (downtime beyond catch-up)", labelNames: ["task"], registers });
    const deliveries = new Counter({ name: "orchestrate_webhook_deliveries_total", help: "Notifications delivered, by destination (a webhook URL, credentials masked, or a command)", labelNames: ["destination"], registers });
    const failures = new Counter({ name: "orchestrate_webhook_failures_total", help: "Notifications given up after their attempts, by destination", labelNames: ["destination"], registers });
    let countedRetries = 0;
    new Counter({
      name: "orchestrate_store_write_retries_total",
      help: "Writes the state store refused (a lock, a full disk, a lost connection) and that were tried again",
      registers,
      collect() {
        const now = sources.writeRetries();
        this.inc(now - countedRetries);
        countedRetries = now;
      },
    });

    this.offs.push(
      bus.on("run.started", (e) => {
        running.set(e.runId, e.task);
        if (e.scheduledAt !== null && (e.trigger === "schedule" || e.trigger === "once")) lag.observe({ task: e.task }, Math.max(0, Date.parse(e.at) - Date.parse(e.scheduledAt)) / 1000);
      }),
      ...ENDED.map((status) =>
        bus.on(`run.${status}`, (e: { runId: number; task: string; run?: { startedAt: string | null; finishedAt: string | null } }) => {
          running.delete(e.runId);
          runs.inc({ task: e.task, status });
          const { startedAt, finishedAt } = e.run ?? {};
          if (startedAt && finishedAt) duration.observe({ task: e.task, status }, (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000);
        }),
      ),
      bus.on("run.missed", (e) => {
        runs.inc({ task: e.task, status: "missed" });
        missed.inc({ task: e.task }, e.count);
      }),
      bus.on("run.late", (e) => late.inc({ task: e.task })),
      bus.on("notify.delivered", (e) => (e.ok ? deliveries : failures).inc({ destination: e.destination })),
    );
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
