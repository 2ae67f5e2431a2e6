/**
 * PostgreSQL for tests: ORCHESTRATE_TEST_PG, or the machine's own on 127.0.0.1:5432 (trust auth,
 * database `test`). Each test gets a schema of its own, dropped afterwards. In CI (CI=true) a
 * database that cannot be reached fails the tests; elsewhere they are skipped, saying why.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_URL = process.env.ORCHESTRATE_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: boolean | null = null;

export async function pgAvailable(): Promise<boolean> {
  if (reachable !== null) return reachable;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    reachable = true;
  } catch (error) {
    if (process.env.CI === "true") throw new Error(`PostgreSQL is not reachable at ${PG_URL} (CI needs it: .ci/run starts it): ${(error as Error).message}`);
    process.stderr.write(`PostgreSQL tests skipped: ${PG_URL} is not reachable (${(error as Error).message}); set ORCHESTRATE_TEST_PG\n`);
    reachable = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  return reachable;
}

/** A fresh schema name, and the store location that uses it. */
export function freshSchema(prefix = "t"): { schema: string; url: string } {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const url = new URL(PG_URL);
  url.searchParams.set("schema", schema);
  return { schema, url: url.toString() };
}

/** Runs SQL on the test database directly (as another process would). */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
