/** GET /v1/openapi.json: the API described from the routes themselves, with the schemas that validate them. */
import type { Route } from "./route.js";
import type { JsonSchema } from "./schemas.js";

export function openApiDocument(routes: Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    // /v1/runs/:id → /v1/runs/{id}
    const path = route.url.replace(/:([A-Za-z_]+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.public ? { security: [] } : {}),
      parameters: [...parameters(route.schema?.params, "path"), ...parameters(route.schema?.querystring, "query")],
      ...(route.schema?.body && { requestBody: { required: true, content: { "application/json": { schema: route.schema.body } } } }),
      responses: Object.fromEntries(
        Object.entries({ ...route.responses, ...(route.public ? {} : { 401: "no token, or a wrong one" }) }).map(([code, description]) => [
          code,
          { description, ...(Number(code) < 300 && { content: { [route.produces ?? "application/json"]: {} } }) },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "orchestrate", version, description: "The REST API of an orchestrate daemon (`api:` in orchestration.yaml, or `run --api HOST:PORT`)." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the token in the variable api.token_env names, when set" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

function parameters(schema: JsonSchema | undefined, where: "path" | "query"): unknown[] {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema & { description?: string }>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(description && { description }),
    schema: property,
  }));
}
