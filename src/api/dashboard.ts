/**
 * The web dashboard's built files (web/, built by `npm run build` into dist/dashboard), served at
 * `/` and `/assets/...` without the token: the page must load to show its login form, and it holds
 * no data; every call it makes for data goes through the API and its token. The folder is small and
 * fixed once built, so it is read once, at start, and served from memory.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/** The same place from src/api (tests) and dist/api (the package). */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../dist/dashboard/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
};

/** Nothing is fetched from elsewhere: the page talks to this server only. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

interface Asset {
  type: string;
  body: Buffer;
}

export function serveDashboard(app: FastifyInstance, config: Record<string, unknown>, dir = DASHBOARD_DIR): void {
  const assets = readAssets(join(dir, "assets"));
  const index = readIndex(dir);
  const send = (reply: FastifyReply, asset: Asset, cache: string) => reply.headers({ ...SECURITY_HEADERS, "cache-control": cache }).type(asset.type).send(asset.body);
  app.get("/", { config }, async (_request, reply) => {
    if (!index) return reply.code(404).send({ error: "the dashboard is not built into this installation (npm run build makes it)" });
    // The HTML names the hashed assets of this build: it must be checked again after an upgrade.
    return send(reply, index, "no-cache");
  });
  app.get("/assets/*", { config }, async (request, reply) => {
    const asset = assets.get((request.params as { "*": string })["*"]);
    if (!asset) return reply.code(404).send({ error: `no such file: ${request.url.split("?")[0]}` });
    // Their names carry a hash of their content: a new build has new names.
    return send(reply, asset, "public, max-age=31536000, immutable");
  });
}

function readIndex(dir: string): Asset | null {
  try {
    return { type: TYPES[".html"]!, body: readFileSync(join(dir, "index.html")) };
  } catch {
    return null;
  }
}

/** The files of assets/ by name (a flat folder: Vite writes no subfolders there). Only these are served, so no path reaches beyond it. */
function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    assets.set(name, { type: TYPES[extname(name)] ?? "application/octet-stream", body: readFileSync(file) });
  }
  return assets;
}
