import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { JsonPoster } from "../../src/notify/post-json.js";

let server: Server | null = null;
let poster: JsonPoster | null = null;
afterEach(async () => {
  poster?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe("a webhook is POSTed with node's http client", () => {
  it("sends the body and headers, answers the status, and keeps one connection for many posts", async () => {
    const seen: Array<{ body: string; type: string | undefined; port: number | undefined }> = [];
    const base = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        seen.push({ body, type: req.headers["content-type"], port: req.socket.remotePort });
        res.statusCode = seen.length === 3 ? 503 : 200;
        res.end("ignored");
      });
    });
    poster = new JsonPoster();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await poster.post(`${base}/hook`, { "content-type": "application/json" }, `{"n":${i}}`, 5_000));
    expect(statuses).toEqual([200, 200, 503]);
    expect(seen.map((s) => s.body)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(new Set(seen.map((s) => s.port)).size).toBe(1);
  });

  it("does not follow a redirect: its status is the answer", async () => {
    const base = await serve((req, res) => {
      req.resume();
      res.writeHead(302, { location: "/elsewhere" }).end();
    });
    poster = new JsonPoster();
    expect(await poster.post(`${base}/hook`, {}, "{}", 5_000)).toBe(302);
  });

  it("a receiver that does not answer is a TimeoutError; one that is not there names the cause", async () => {
    const base = await serve(() => undefined);
    poster = new JsonPoster();
    const timedOut = await poster.post(`${base}/hook`, {}, "{}", 200).catch((e: Error) => e);
    expect((timedOut as Error).name).toBe("TimeoutError");
    const refused = await poster.post("http://127.0.0.1:1/hook", {}, "{}", 2_000).catch((e: NodeJS.ErrnoException) => e);
    expect((refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });
});
