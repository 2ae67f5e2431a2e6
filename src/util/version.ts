import { readFileSync } from "node:fs";

let cached: string | null = null;

/** This package's version (package.json), for `--version` and the User-Agent of what it sends. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return cached;
}
