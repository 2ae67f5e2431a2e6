/**
 * One place notifications go (a webhook or a command), with its own queue. Delivery never holds up
 * anything else: the engine hands a notification over and goes on. Notifications leave one at a
 * time, in order (so a run's events arrive in the order they happened), each with a timeout and
 * retried with backoff; a receiver that hangs costs this queue only, and the queue is bounded, so a
 * dead receiver costs bounded memory: the oldest waiting notifications are dropped, and counted.
 */
import type { NotifySpec } from "../config/model.js";
import type { Executor } from "../run/executor.js";
import { commandInvocation } from "../run/invocation.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import { formatDuration } from "../time/duration.js";
import { JsonPoster } from "./post-json.js";
import { maskUrl } from "../util/url.js";
import type { NotificationBody } from "./payload.js";
import { signature } from "./signature.js";

export const MAX_QUEUED = 1_000;
export const MAX_ATTEMPTS = 5;
const FIRST_RETRY_MS = 1_000;

export interface DeliveryResult {
  body: NotificationBody;
  ok: boolean;
  attempts: number;
  /** The receiver's answer ("HTTP 204", "exit 0") or why it failed. */
  detail: string;
}

export interface DestinationDeps {
  clock: Clock;
  executor: Executor;
  env: Record<string, string | undefined>;
  version: string;
  /** Called once per notification, when it was delivered or given up. */
  settled(result: DeliveryResult, destination: string): void;
  /** The queue was full: `count` notifications dropped so far. */
  dropped(destination: string, count: number): void;
}

type Sender = Extract<NotifySpec, { kind: "webhook" | "command" }>;

export class Destination {
  /** How it is named in logs and records: the URL with credentials masked, or the command. */
  readonly name: string;
  private readonly queue: NotificationBody[] = [];
  private sending = false;
  private droppedCount = 0;
  private retryTimer: { handle: TimerHandle; wake: () => void } | null = null;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly poster = new JsonPoster();

  constructor(
    readonly spec: Sender,
    private readonly deps: DestinationDeps,
  ) {
    this.name = spec.kind === "webhook" ? maskUrl(spec.url) : spec.command;
  }

  wants(event: string): boolean {
    return this.spec.events === null || this.spec.events.some((short) => `run.${short}` === event);
  }

  send(body: NotificationBody): void {
    if (this.closed) return;
    this.queue.push(body);
    if (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.deps.dropped(this.name, ++this.droppedCount);
    }
    // Delivered from the next turn of the loop, never inside the one that starts runs: a fire's
    // run.started comes just before its start is handed to the spawner.
    if (!this.sending) {
      this.sending = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves when everything queued was delivered or given up, at most `timeoutMs` (a stopping daemon). */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.sending && this.queue.length === 0) return true;
    // A stop does not wait out a backoff: the next attempt is the last.
    this.retryTimer?.handle.cancel();
    this.retryTimer?.wake();
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = this.deps.clock.setTimer(timeoutMs, () => resolve(false))));
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const done = await Promise.race([idle, timeout]);
    timer?.cancel();
    return done;
  }

  /** Stops sending: what is still queued is dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.retryTimer?.handle.cancel();
    this.retryTimer?.wake();
    this.poster.close();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0 && !this.closed) {
      const body = this.queue.shift()!;
      this.deps.settled(await this.deliver(body), this.name);
    }
    this.sending = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async deliver(body: NotificationBody): Promise<DeliveryResult> {
    let detail = "";
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(body);
      if (outcome.ok) return { body, ok: true, attempts: attempt, detail: outcome.detail };
      detail = outcome.detail;
      if (attempt >= MAX_ATTEMPTS || this.closed) return { body, ok: false, attempts: attempt, detail };
      const waitMs = FIRST_RETRY_MS * 2 ** (attempt - 1);
      await new Promise<void>((resolve) => (this.retryTimer = { handle: this.deps.clock.setTimer(waitMs, resolve), wake: resolve }));
      this.retryTimer = null;
    }
  }

  private attempt(body: NotificationBody): Promise<{ ok: boolean; detail: string }> {
    return this.spec.kind === "webhook" ? this.post(this.spec, body) : this.run(this.spec, body);
  }

  private async post(spec: Extract<Sender, { kind: "webhook" }>, body: NotificationBody): Promise<{ ok: boolean; detail: string }> {
    const text = JSON.stringify(body);
    const unix = Math.floor(this.deps.clock.now() / 1000);
    const headers: Record<string, string> = {
      ...spec.headers,
      "content-type": "application/json",
      "user-agent": `orchestrate/${this.deps.version}`,
      "x-orchestrate-event": body.event,
      "x-orchestrate-delivery": body.id,
    };
    const secret = spec.secretEnv === null ? undefined : this.deps.env[spec.secretEnv];
    if (spec.secretEnv !== null && !secret) return { ok: false, detail: `the secret variable ${spec.secretEnv} is not set: not sending it unsigned` };
    if (secret) headers["x-orchestrate-signature"] = signature(secret, text, unix);
    try {
      // A redirect is not followed: the receiver is misconfigured, and says so by its status.
      const status = await this.poster.post(spec.url, headers, text, spec.timeoutMs);
      return { ok: status >= 200 && status < 300, detail: `HTTP ${status}` };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((error as Error).name === "TimeoutError") return { ok: false, detail: `no answer within ${formatDuration(spec.timeoutMs)}` };
      return { ok: false, detail: maskUrl(code ? `${code} (${(error as Error).message})` : (error as Error).message) };
    }
  }

  private async run(spec: Extract<Sender, { kind: "command" }>, body: NotificationBody): Promise<{ ok: boolean; detail: string }> {
    const { command, args, fallback } = commandInvocation(spec.command);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.deps.env)) if (value !== undefined) env[key] = value;
    const outcome = await this.deps.executor.start({
      command,
      args,
      fallback,
      cwd: spec.cwd,
      env: { ...env, ORCHESTRATE_EVENT: body.event },
      timeoutMs: spec.timeoutMs,
      killGraceMs: 2_000,
      outputLimitBytes: 2_048,
      stdin: JSON.stringify(body),
    }).done;
    if (outcome.exitCode === 0) return { ok: true, detail: "exit 0" };
    if (outcome.timedOut) return { ok: false, detail: `timed out after ${formatDuration(spec.timeoutMs)}` };
    const said = outcome.output.trim().split("\n").at(-1) ?? "";
    const why = outcome.spawnError ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`);
    return { ok: false, detail: said ? `${why}: ${said}` : why };
  }
}
