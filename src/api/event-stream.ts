/**
 * GET /v1/events: the bus as Server-Sent Events, for live views. Run state changes are read from
 * the store's event journal, not the bus, so each carries its journal sequence number as `id:`,
 * and a client that reconnects with Last-Event-ID (or ?after=) gets what it missed, replayed from
 * the journal. The journal is one stream for the whole store, so a shared store shows the runs of
 * every node. Output lines (not journaled) come straight from the bus, without an id.
 *
 * A slow client never slows the daemon: what it cannot take is not queued past a limit; it is
 * disconnected, and may reconnect and resume from its last id.
 */
import type { ServerResponse } from "node:http";
import type { EventBus } from "../events/bus.js";
import { JOURNALED } from "../events/journal.js";
import type { RunStore } from "../store/contract.js";
import type { JournalEvent } from "../store/types.js";

/** Without a change notice from the store, read the journal this often while someone listens. */
const POLL_MS = 1_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Unsent bytes beyond this and the client is too slow: it is disconnected (and may resume). */
const MAX_BACKLOG = 1024 * 1024;
const PAGE = 1_000;

interface Client {
  response: ServerResponse;
  /** The last journal sequence number it was sent. */
  afterSeq: number;
}

export class EventStream {
  private readonly clients = new Set<Client>();
  /** The newest journal sequence number read. */
  private lastSeq = 0;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  /**
   * Nobody listened when the journal changed, so it was not read: a daemon without clients does
   * not read back every event it writes. The first client to join brings lastSeq up to date.
   */
  private behind = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly store: Pick<RunStore, "readEvents" | "watchChanges">,
    private readonly bus: EventBus,
  ) {}

  /** Finds the end of the journal, and follows it from there. */
  async start(): Promise<void> {
    this.lastSeq = await lastSeq(this.store);
    const unwatch = this.store.watchChanges(() => this.read());
    if (unwatch) this.unsubscribe.push(unwatch);
    // The daemon's own events are journaled through its recorder a moment after they are on the bus.
    for (const type of JOURNALED) this.unsubscribe.push(this.bus.on(type, () => setTimeout(() => this.read(), 20).unref()));
    this.unsubscribe.push(this.bus.on("invocation.output", (e) => this.clients.size > 0 && this.broadcast(frame("invocation.output", null, e))));
    this.timers.push(setInterval(() => this.clients.size > 0 && this.read(), POLL_MS).unref());
    this.timers.push(setInterval(() => this.broadcast(": keepalive\n\n"), KEEPALIVE_MS).unref());
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  /** Serves one client until it goes away: first what it missed since `afterSeq` (if given), then what comes. */
  async serve(response: ServerResponse, afterSeq: number | null): Promise<void> {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.write(": orchestrate event stream\n\n");
    if (afterSeq === null && this.behind) {
      try {
        this.lastSeq = Math.max(this.lastSeq, await lastSeq(this.store));
        this.behind = false;
      } catch {
        response.end();
        return;
      }
    }
    const client: Client = { response, afterSeq: afterSeq ?? this.lastSeq };
    if (afterSeq !== null) {
      // Until a read finds nothing new and the tail has read no further: then, with no await before
      // it joins the live clients, every later event reaches it through the tail, none twice or out of order.
      try {
        for (let empty = 0; ; ) {
          const events = await this.store.readEvents({ afterSeq: client.afterSeq, limit: PAGE });
          for (const event of events) this.send(client, event);
          if (response.destroyed || (events.length === 0 && this.lastSeq <= client.afterSeq)) break;
          // The tail is ahead, yet the store shows nothing after this client's place: pruned. Join there.
          if (events.length === 0 && ++empty >= 3) client.afterSeq = this.lastSeq;
        }
      } catch {
        // The store cannot be read now: the client reconnects later with its last id.
        response.end();
        return;
      }
    }
    if (response.destroyed) return;
    if (this.behind) {
      // Its replay read the journal to its end: the tail follows on from there.
      this.lastSeq = Math.max(this.lastSeq, client.afterSeq);
      this.behind = false;
    }
    this.clients.add(client);
    response.on("close", () => this.clients.delete(client));
    response.on("error", () => this.clients.delete(client));
  }

  private read(): void {
    if (this.clients.size === 0) {
      this.behind = true;
      return;
    }
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        let events: JournalEvent[];
        do {
          events = await this.store.readEvents({ afterSeq: this.lastSeq, limit: PAGE });
          for (const event of events) {
            this.lastSeq = event.seq;
            for (const client of this.clients) this.send(client, event);
          }
        } while (events.length === PAGE);
      } while (this.readAgain);
    })()
      .catch(() => undefined)
      .finally(() => (this.reading = null));
  }

  private send(client: Client, event: JournalEvent): void {
    if (event.seq <= client.afterSeq) return;
    client.afterSeq = event.seq;
    this.write(client, frame(event.type, event.seq, { seq: event.seq, type: event.type, at: event.at, task: event.task, runId: event.runId, ...event.data }));
  }

  private broadcast(text: string): void {
    for (const client of this.clients) this.write(client, text);
  }

  private write(client: Client, text: string): void {
    if (client.response.destroyed || client.response.writableEnded) return;
    if (client.response.writableLength > MAX_BACKLOG) {
      this.clients.delete(client);
      client.response.destroy();
      return;
    }
    client.response.write(text);
  }
}

function frame(type: string, id: number | null, data: unknown): string {
  return `event: ${type}\n${id === null ? "" : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * The journal's newest sequence number, found with a few one-row reads (the journal has no "last"
 * query): double a bound past the end, then halve the gap. Sequence numbers only grow; pruning
 * leaves gaps below the newest, which the search does not mind since it looks for any event after a bound.
 */
export async function lastSeq(store: Pick<RunStore, "readEvents">): Promise<number> {
  const firstAfter = async (seq: number) => (await store.readEvents({ afterSeq: seq, limit: 1 }))[0]?.seq ?? null;
  const first = await firstAfter(0);
  if (first === null) return 0;
  // The newest is at least `low` (an event that exists) and at most `high` (nothing after it).
  let low = first;
  let high = Math.max(1, first);
  while ((await firstAfter(high)) !== null) high *= 2;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const found = await firstAfter(mid - 1);
    if (found === null) high = mid - 1;
    else low = found;
  }
  return low;
}
