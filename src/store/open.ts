import { maskUrl } from "../util/url.js";
import type { RunStore } from "./contract.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

export { StoreNotFoundError } from "./sqlite/sqlite-store.js";

export interface OpenStoreOptions {
  /** For commands that only read: a missing store is a StoreNotFoundError, and nothing is created, migrated or written. */
  readOnly?: boolean;
}

/** Opens the store a config's `state:` (or `--state`, `ORCHESTRATE_STATE`) names. */
export function openStore(location: string, options: OpenStoreOptions = {}): RunStore {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error(`a PostgreSQL state store (${maskUrl(location)}) is not supported by this version yet; use a SQLite file path`);
  }
  return new SqliteStore(location, { readOnly: options.readOnly });
}
