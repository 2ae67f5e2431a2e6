import type { RunStore } from "./contract.js";
import { PgStore } from "./postgres/pg-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

export { StoreNotFoundError } from "./sqlite/sqlite-store.js";

export interface OpenStoreOptions {
  /** For commands that only read: a missing store is a StoreNotFoundError, and nothing is created, migrated or written. */
  readOnly?: boolean;
}

/** Opens the store a config's `state:` (or `--state`, `ORCHESTRATE_STATE`) names. */
export function openStore(location: string, options: OpenStoreOptions = {}): RunStore {
  if (isPostgresLocation(location)) return new PgStore(location, { readOnly: options.readOnly });
  return new SqliteStore(location, { readOnly: options.readOnly });
}

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
