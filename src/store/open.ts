import type { RunStore } from "./contract.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

/** Opens the store a config's `state:` (or `--state`, `ORCHESTRATE_STATE`) names. */
export function openStore(location: string): RunStore {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error(`a PostgreSQL state store (${redact(location)}) is not supported by this version yet; use a SQLite file path`);
  }
  return new SqliteStore(location);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
