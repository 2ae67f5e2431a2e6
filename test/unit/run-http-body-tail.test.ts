/**
 * The body tail an http task keeps, whatever sizes the network delivers it in. fetch is replaced by
 * one that streams a known body in chosen chunks, so every chunking is tested exactly (a real
 * socket decides its own chunks, and the bug this guards against showed only for some).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { HttpSpec } from "../../src/config/model.js";
import { runHttp } from "../../src/run/http.js";

const SPEC: HttpSpec = { url: "http://example.test/big", method: "GET", headers: {}, body: null, timeoutMs: 5_000, expect: ["2xx"] };
const LIMITS = [64, 65, 66, 67, 100];
/** Ticks are 3 bytes and Greek letters 2, so many cuts fall inside a character. */
const BODY = Buffer.from(Array.from({ length: 200 }, (_, i) => `${i} ✓ αβ\n`).join("") + "end ✓");

function answerIn(chunkSize: number): void {
  vi.stubGlobal("fetch", async () => {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= BODY.length) return controller.close();
        controller.enqueue(new Uint8Array(BODY.subarray(offset, offset + chunkSize)));
        offset += chunkSize;
      },
    });
    return new Response(stream, { status: 200 });
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("an HTTP answer larger than history.output_limit keeps only its tail", () => {
  it("at most the limit in bytes, cut where a character starts, whatever the chunk sizes", async () => {
    const insideCharacter = (offset: number) => (BODY[offset]! & 0xc0) === 0x80;
    expect(LIMITS.some((limit) => insideCharacter(BODY.length - limit))).toBe(true); // a byte cut would split one
    for (const limit of LIMITS) {
      for (const chunkSize of [1, 2, 3, 5, 7, 31, 63, 64, 65, 127, 128, 129, 200, 1_000, BODY.length]) {
        answerIn(chunkSize);
        const outcome = await runHttp(SPEC, new AbortController().signal, limit);
        const body = outcome.result!.body;
        const what = `limit ${limit}, chunks of ${chunkSize} bytes`;
        expect(outcome.error, what).toBeNull();
        expect(body, what).not.toContain("\uFFFD");
        expect(Buffer.byteLength(body), what).toBeLessThanOrEqual(limit);
        expect(Buffer.byteLength(body), what).toBeGreaterThan(limit - 4); // at most one character short
        expect(BODY.toString("utf8").endsWith(body), what).toBe(true);
      }
    }
  });

  it("a body within the limit is kept whole", async () => {
    answerIn(7);
    const outcome = await runHttp(SPEC, new AbortController().signal, BODY.length);
    expect(outcome.result!.body).toBe(BODY.toString("utf8"));
  });
});
