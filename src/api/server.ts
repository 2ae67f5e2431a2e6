/**
 * The REST API (`api:` in the config, or `run --api HOST:PORT`): Fastify, each route validated by
 * the JSON schemas in schemas.ts, every answer JSON (errors too: `{ error }`), a bearer token when
 * configured. It calls the daemon's Runtime, the same commands the library and the CLI use; it
 * never fires anything itself, and a failing request is answered, logged and forgotten. It also
 * serves the web dashboard's built files at `/` (dashboard.ts), which hold no data.
 */
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { ApiSpec } from "../config/model.js";
import type { Runtime } from "../engine/runtime.js";
import type { EventBus } from "../events/bus.js";
import type { Clock } from "../time/clock.js";
import { Access, ApiStartError, requiredToken } from "./access.js";
import { serveDashboard } from "./dashboard.js";
import { EventStream } from "./event-stream.js";
import { Metrics } from "./metrics.js";
import { ApiError, type Route } from "./route.js";
import { runRoutes } from "./routes/runs.js";
import { systemRoutes } from "./routes/system.js";
import { taskRoutes } from "./routes/tasks.js";

export { ApiStartError } from "./access.js";

export interface ApiServerOptions {
  spec: ApiSpec;
  runtime: Runtime;
  bus: EventBus;
  clock: Clock;
  /** The configuration's folder: relative script paths of one-offs start there. */
  dir: string;
  /** Where the token variable is read. */
  env: Record<string, string | undefined>;
  version: string;
}

/** Requests larger than this are refused (413): every body the API takes is small. */
const BODY_LIMIT = 64 * 1024;

type RouteConfig = Required<Pick<Route, "public" | "reportable" | "tokenInQuery">>;

export class ApiServer {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly parts: { metrics: Metrics; events: EventStream; runtime: Runtime },
    /** Where scripts reach it: http://HOST:PORT. */
    readonly url: string,
  ) {}

  /**
   * Checks the token rules, listens, and gives runs the URL and their report tokens. Throws
   * ApiStartError (a message for the user, no stack) when it must not or cannot serve.
   */
  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const { spec, runtime, bus, clock } = options;
    const access = new Access(requiredToken(spec, options.env));
    const metrics = new Metrics({ bus, nextFires: () => runtime.nextFires(), writeRetries: () => runtime.recorder.writeRetries });
    const events = new EventStream(runtime.store, bus);
    await events.start();

    const routes: Route[] = [];
    routes.push(
      ...taskRoutes(runtime),
      ...runRoutes({ runtime, clock, dir: options.dir }),
      ...systemRoutes({ metrics, events, version: options.version, healthy: () => !runtime.recorder.failing, routes: () => routes }),
    );
    const app = Fastify({
      logger: false,
      bodyLimit: BODY_LIMIT,
      forceCloseConnections: true,
      // Unknown fields are refused, not dropped: a misspelt `dealy` must not become "due now".
      ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false, allowUnionTypes: true } },
    });
    // `POST …/trigger` with a JSON content type and no body is a plain request, not a malformed one.
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
      const text = body.toString();
      if (text === "") done(null, undefined);
      else parseJson(request, text, done);
    });
    app.addHook("onRequest", async (request, reply) => {
      const config = request.routeOptions.config as Partial<RouteConfig>;
      if (config.public) return;
      const runId = config.reportable ? Number((request.params as { id?: string }).id) : null;
      const queryToken = config.tokenInQuery ? (request.query as { token?: unknown }).token : undefined;
      const authorization = request.headers.authorization ?? (typeof queryToken === "string" ? `Bearer ${queryToken}` : undefined);
      if (!access.allows(authorization, Number.isInteger(runId) ? runId : null)) {
        return reply.code(401).header("www-authenticate", 'Bearer realm="orchestrate"').send({ error: "this API needs a token: Authorization: Bearer TOKEN" });
      }
    });
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.message, ...(error.field && { field: error.field }) });
      if (error.validation) {
        const { field, problem } = invalidField(error);
        return reply.code(400).send({ error: `${field}: ${problem}`, field });
      }
      const status = error.statusCode ?? 500;
      if (status < 500) return reply.code(status).send({ error: error.message });
      // Without the query: the event stream's may carry the token.
      bus.emit("log", { level: "error", message: `API: ${request.method} ${request.url.split("?")[0]} failed: ${error.message}` });
      return reply.code(500).send({ error: "the request failed inside the daemon (its log says why)" });
    });
    serveDashboard(app, { public: true, reportable: false, tokenInQuery: false } satisfies RouteConfig);
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no such endpoint: ${request.method} ${request.url.split("?")[0]} (see /v1/openapi.json)` }));
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.url,
        schema: route.schema ?? {},
        config: { public: route.public ?? false, reportable: route.reportable ?? false, tokenInQuery: route.tokenInQuery ?? false } satisfies RouteConfig,
        handler: route.handler,
      });
    }

    try {
      await app.listen({ host: spec.host, port: spec.port });
    } catch (error) {
      events.stop();
      metrics.stop();
      await app.close().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "EADDRINUSE" ? "the port is in use (another orchestrate daemon, or another program?)" : (error as Error).message;
      throw new ApiStartError(`the API cannot listen on ${hostPort(spec.host, spec.port)}: ${why}`);
    }
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${hostPort(reachableHost(spec.host), port)}`;
    runtime.setReportEnvironment((runId) => ({ ORCHESTRATE_API_URL: url, ORCHESTRATE_REPORT_TOKEN: access.reportToken(runId) }));
    bus.emit("log", { level: "info", message: `API listening on http://${hostPort(spec.host, port)}${access.open ? " (no token: loopback only)" : " (token required)"}` });
    return new ApiServer(app, { metrics, events, runtime }, url);
  }

  /** Stops serving: open event streams end, and scripts started later report through the store. */
  async close(): Promise<void> {
    this.parts.runtime.setReportEnvironment(null);
    this.parts.events.stop();
    this.parts.metrics.stop();
    await this.app.close();
  }
}

/** Where a request failed its schema (`body.delay`, `query.limit`, `params.id`), and how. */
function invalidField(error: FastifyError): { field: string; problem: string } {
  const first = error.validation?.[0];
  const context = error.validationContext === "querystring" ? "query" : (error.validationContext ?? "body");
  const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const path = [context, ...(first?.instancePath ?? "").split("/").filter(Boolean), params.missingProperty ?? params.additionalProperty].filter(Boolean);
  const problem =
    params.additionalProperty !== undefined ? "is not a field this endpoint takes" : params.missingProperty !== undefined ? "is required" : (first?.message ?? "is not valid");
  return { field: path.join("."), problem };
}

/** A wildcard address is reached on loopback from this machine. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "::1";
  return host;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
