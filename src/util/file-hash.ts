import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** A short hash of a file's bytes ("" when it cannot be read): cluster nodes compare their configs by it. */
export function hashFile(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12);
  } catch {
    return "";
  }
}
