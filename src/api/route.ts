/** What every route is made of, so that the server registers them and openapi.ts describes them from one list. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { JsonSchema } from "./schemas.js";

export interface Route {
  method: "GET" | "POST";
  /** Fastify's form: /v1/runs/:id */
  url: string;
  summary: string;
  schema?: { params?: JsonSchema; querystring?: JsonSchema; body?: JsonSchema };
  /** Status codes and what they mean, for the OpenAPI document. */
  responses: Record<number, string>;
  /** Served without the token (/healthz, for load balancers and service managers). */
  public?: boolean;
  /** Its `:id` is a run whose report token (a script's, for its own run) opens it too. */
  reportable?: boolean;
  /**
   * Takes the token as `?token=` too: a browser's EventSource cannot send headers. Only where a URL
   * is needed for that, since URLs end up in proxy logs and browser history.
   */
  tokenInQuery?: boolean;
  /** Served as something other than JSON. */
  produces?: string;
  handler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

/** A refusal with its HTTP status: the error handler sends `{ error }` with it. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new ApiError(404, message);
