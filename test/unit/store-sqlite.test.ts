import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { describeRunStoreContract, finished } from "../store-contract/run-store-contract.js";

/** The pid of a process that has exited. */
const deadPid = () => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString());

describeRunStoreContract("SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "orchestrate-store-"));
  const file = join(dir, "state.db");
  return {
    open: async () => new SqliteStore(file),
    openAnother: async () => new SqliteStore(file),
    orphan: async (id) => {
      const raw = new Database(file);
      raw.prepare("UPDATE runs SET daemon_id = ? WHERE id = ?").run(`${hostname()}:${deadPid()}`, id);
      raw.close();
    },
    deadNode: () => ({ nodeId: "dead", pid: deadPid(), host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("the SQLite store", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "orchestrate-store-"));
    store = new SqliteStore(join(dir, "state.db"));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a write refused because another process holds the lock is transient, and does not wait when told not to", async () => {
    const id = await store.reserveRunIds(1);
    const blocker = new Database(join(dir, "state.db"));
    blocker.exec("BEGIN EXCLUSIVE");
    const started = performance.now();
    const error = await store.applyWrites([{ kind: "create", run: finished(id, "t", "2026-01-01T00:00:00.000Z") }], { lockWaitMs: 0 }).then(() => null, (e: unknown) => e);
    // The default wait is 5 s.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(String(error)).toMatch(/locked/);
    expect(store.isTransient(error)).toBe(true);
    blocker.exec("ROLLBACK");
    blocker.close();
  });

  it("a write of the wrong shape (a bug, not the store's state) is not transient", () => {
    expect(store.isTransient(new TypeError("SQLite3 can only bind numbers, strings, bigints, buffers, and null"))).toBe(false);
    expect(store.isTransient(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))).toBe(true);
    expect(store.isTransient(Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR_WRITE" }))).toBe(true);
  });
});
