/** What operators and tools read: health, metrics, the event stream, the API's own description. */
import type { EventStream } from "../event-stream.js";
import type { Metrics } from "../metrics.js";
import { openApiDocument } from "../openapi.js";
import type { Route } from "../route.js";
import { eventsQuery } from "../schemas.js";

export interface SystemRoutesOptions {
  metrics: Metrics;
  events: EventStream;
  version: string;
  /** Whether the daemon can record what it runs (its store takes writes). */
  healthy(): boolean;
  /** Every route, this list's too, for the OpenAPI document. */
  routes(): Route[];
}

export function systemRoutes(options: SystemRoutesOptions): Route[] {
  return [
    {
      method: "GET",
      url: "/healthz",
      summary: "200 while the daemon runs and its state store takes writes, else 503; needs no token",
      public: true,
      responses: { 200: "{ status: ok, version }", 503: "{ status: failing, version }: the state store refuses writes" },
      handler: async (_request, reply) => {
        const healthy = options.healthy();
        return reply.code(healthy ? 200 : 503).send({ status: healthy ? "ok" : "failing", version: options.version });
      },
    },
    {
      method: "GET",
      url: "/metrics",
      summary: "Prometheus metrics (text exposition format)",
      produces: "text/plain",
      responses: { 200: "the metrics" },
      handler: async (_request, reply) => reply.type(options.metrics.contentType).send(await options.metrics.text()),
    },
    {
      method: "GET",
      url: "/v1/events",
      summary: "Server-Sent Events: run and step events (id: the journal's sequence number; Last-Event-ID or ?after= replays what was missed) and output lines; a browser's EventSource may pass the token as ?token=",
      schema: { querystring: eventsQuery },
      tokenInQuery: true,
      produces: "text/event-stream",
      responses: { 200: "the stream, until the client or the daemon goes" },
      handler: async (request, reply) => {
        const header = request.headers["last-event-id"];
        const fromHeader = typeof header === "string" && /^\d+$/.test(header.trim()) ? Number(header) : null;
        const after = (request.query as { after?: number }).after ?? fromHeader;
        reply.hijack();
        await options.events.serve(reply.raw, after);
      },
    },
    {
      method: "GET",
      url: "/v1/openapi.json",
      summary: "this API, described as OpenAPI 3.1",
      responses: { 200: "the document" },
      handler: async () => openApiDocument(options.routes(), options.version),
    },
  ];
}
