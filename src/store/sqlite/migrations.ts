/**
 * Versioned schema migrations, applied in order inside one transaction each; the version lives in
 * `PRAGMA user_version`. Never edit a migration that has shipped: add the next one.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at TEXT,
    due_ms INTEGER,
    started_at TEXT,
    finished_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    exit_code INTEGER,
    error TEXT,
    reason TEXT,
    output TEXT NOT NULL DEFAULT '',
    http TEXT,
    steps TEXT,
    invocations TEXT,
    one_off TEXT,
    daemon_id TEXT,
    created_ms INTEGER NOT NULL
  );
  CREATE INDEX runs_task ON runs (task, id DESC);
  CREATE INDEX runs_status ON runs (status, id DESC);
  CREATE INDEX runs_task_status ON runs (task, status, id DESC);
  CREATE INDEX runs_pending_due ON runs (due_ms) WHERE status = 'pending';
  CREATE INDEX runs_created ON runs (created_ms);

  CREATE TABLE messages (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    status TEXT,
    message TEXT
  );
  CREATE INDEX messages_run ON messages (run_id);

  CREATE TABLE task_state (
    task TEXT PRIMARY KEY,
    last_slot_ms INTEGER,
    paused INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE daemon_lock (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    daemon_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_ms INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    task TEXT,
    run_id INTEGER,
    data TEXT NOT NULL,
    created_ms INTEGER NOT NULL
  );
  CREATE INDEX events_run ON events (run_id, seq);
  CREATE INDEX events_created ON events (created_ms);
  `,
  `
  CREATE TABLE deliveries (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX deliveries_run ON deliveries (run_id);
  `,
];
