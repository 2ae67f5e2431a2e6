import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** A short hash of a config's text: cluster nodes compare their configs by it. */
export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/** hashText of a file's text ("" when it cannot be read). */
export function hashFile(file: string): string {
  try {
    return hashText(readFileSync(file, "utf8"));
  } catch {
    return "";
  }
}
