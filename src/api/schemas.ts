/**
 * The JSON schemas of the API's requests. Fastify validates every request against them, and
 * /v1/openapi.json is built from the same objects: what is documented is what is enforced.
 */

export type JsonSchema = Record<string, unknown>;

const RUN_STATUSES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled", "interrupted", "missed"];

export const taskParams = {
  type: "object",
  required: ["name"],
  properties: { name: { type: "string", description: "a task's or workflow's name" } },
} as const satisfies JsonSchema;

export const runParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "integer", minimum: 1, description: "a run id" } },
} as const satisfies JsonSchema;

export const runsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    task: { type: "string", description: "only this task's (or workflow's) runs" },
    status: { type: "string", enum: RUN_STATUSES },
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 50 },
    before: { type: "integer", minimum: 1, description: "the `next` cursor of the previous page: runs with a smaller id" },
    since: { type: "string", description: "only runs of this time or later (ISO 8601)" },
    until: { type: "string", description: "only runs before this time (ISO 8601)" },
    view: { type: "string", enum: ["full", "summary"], default: "full", description: "summary: without output, invocations, messages and deliveries (for lists)" },
  },
} as const satisfies JsonSchema;

export const tasksQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    recent: { type: "integer", minimum: 0, maximum: 100, default: 0, description: "with each task, its last N runs (`recentRuns`, newest first), each as { id, trigger, status, scheduledAt, startedAt, finishedAt }" },
    view: { type: "string", enum: ["full", "summary"], default: "full", description: "summary: lastRun as a summary, without its output (for lists)" },
  },
} as const satisfies JsonSchema;

/** A one-off run, as `orchestrate schedule` makes them: a URL to GET, or a script, after `delay` or at `at`. */
export const newRunBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    url: { type: "string", minLength: 1, description: "GET this URL (retried 3 times, as an http task)" },
    script: { type: "string", minLength: 1, description: "run this script (relative paths: from the configuration's folder)" },
    type: { type: "string", enum: ["bash", "python", "sh", "node"], description: "the script's interpreter (default: by extension, else bash)" },
    params: {
      type: "array",
      description: "the script's parameters, in order, as [key, value] pairs; passed as written, never expanded",
      items: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 },
    },
    delay: { type: ["number", "string"], description: "due this long from now: seconds, or a duration such as 5m" },
    at: { type: "string", description: "due at this time (ISO 8601)" },
  },
} as const satisfies JsonSchema;

export const messageBody = {
  type: "object",
  additionalProperties: false,
  properties: {
    message: { type: "string", maxLength: 16_384 },
    status: { type: "string", enum: ["running", "succeeded", "failed"], description: "the exit code still decides how the run ends" },
  },
} as const satisfies JsonSchema;

export const eventsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    after: { type: "integer", minimum: 0, description: "replay journaled events after this sequence number (as the Last-Event-ID header does)" },
    token: { type: "string", description: "the API token, for clients that cannot send headers (a browser's EventSource); only this endpoint takes it" },
  },
} as const satisfies JsonSchema;
