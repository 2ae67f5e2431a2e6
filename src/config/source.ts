import { createHash } from "node:crypto";
import { hashText } from "../util/file-hash.js";
import { packageVersion } from "../util/version.js";

/**
 * What the engine keeps of the text a configuration was read from: not the text itself (a daemon
 * would hold a 10,000-task file for months), only the two hashes it needs of it.
 */
export interface ConfigSource {
  /** Cluster nodes compare their configs by it (`orchestrate nodes`). */
  hash: string;
  /** Keys the status plan (engine/status-plan.ts). */
  statusKey: string;
}

/** A configuration made in code has no text: no hash, and no status plan. */
export const NO_SOURCE: ConfigSource = { hash: "", statusKey: "" };

export function sourceOf(text: string): ConfigSource {
  return { hash: hashText(text), statusKey: statusPlanKey(text, packageVersion()) };
}

/** The status plan's key of a config file's text, for this package version and TZ. */
export function statusPlanKey(configText: string, version: string): string {
  return createHash("sha256")
    .update(`${version}\u0000${process.env.TZ ?? ""}\u0000`)
    .update(configText)
    .digest("hex");
}
