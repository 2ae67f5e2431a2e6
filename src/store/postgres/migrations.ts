/**
 * Versioned schema migrations of the PostgreSQL store, in a schema of their own (`orchestrate` by
 * default). Applied in order, one transaction each, under an advisory lock so that daemons starting
 * together migrate once. Never edit a migration that has shipped: add the next one. `%s` is the
 * schema's quoted name.
 */
export const PG_MIGRATIONS: string[] = [
  `
  CREATE TABLE %s.id_counter (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    next_id BIGINT NOT NULL
  );
  INSERT INTO %s.id_counter VALUES (1, 1);

  CREATE TABLE %s.runs (
    id BIGINT PRIMARY KEY,
    task TEXT NOT NULL,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    scheduled_at TEXT,
    due_ms BIGINT,
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
    node_id TEXT,
    created_ms BIGINT NOT NULL
  );
  CREATE INDEX runs_task ON %s.runs (task, id DESC);
  CREATE INDEX runs_status ON %s.runs (status, id DESC);
  CREATE INDEX runs_task_status ON %s.runs (task, status, id DESC);
  CREATE INDEX runs_pending_due ON %s.runs (due_ms) WHERE status = 'pending';
  CREATE INDEX runs_running_node ON %s.runs (node_id) WHERE status = 'running';
  CREATE INDEX runs_created ON %s.runs (created_ms);

  CREATE TABLE %s.messages (
    id BIGSERIAL PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES %s.runs (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    status TEXT,
    message TEXT
  );
  CREATE INDEX messages_run ON %s.messages (run_id);

  CREATE TABLE %s.deliveries (
    id BIGSERIAL PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES %s.runs (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    detail TEXT
  );
  CREATE INDEX deliveries_run ON %s.deliveries (run_id);

  CREATE TABLE %s.task_state (
    task TEXT PRIMARY KEY,
    last_slot_ms BIGINT,
    paused BOOLEAN NOT NULL DEFAULT FALSE
  );

  -- Each scheduled fire (kind 'fire') and each missed gap (kind 'gap') of a task, claimed once.
  CREATE TABLE %s.fire_claims (
    task TEXT NOT NULL,
    kind TEXT NOT NULL,
    slot_ms BIGINT NOT NULL,
    node_id TEXT NOT NULL,
    claimed_ms BIGINT NOT NULL,
    PRIMARY KEY (task, kind, slot_ms)
  );
  CREATE INDEX fire_claims_claimed ON %s.fire_claims (claimed_ms);

  CREATE TABLE %s.nodes (
    node_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    version TEXT NOT NULL,
    labels TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    stopped BOOLEAN NOT NULL DEFAULT FALSE,
    -- 'daemon', or 'trigger' for a process running one task by hand (it fires nothing)
    role TEXT NOT NULL DEFAULT 'daemon'
  );

  -- A task's cluster-wide lane (concurrency forbid, queue, replace): the node whose run it is.
  CREATE TABLE %s.task_holds (
    task TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    run_id BIGINT,
    since_ms BIGINT NOT NULL
  );

  CREATE TABLE %s.cancel_requests (
    run_id BIGINT PRIMARY KEY,
    reason TEXT NOT NULL,
    requested_ms BIGINT NOT NULL
  );

  CREATE TABLE %s.events (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    task TEXT,
    run_id BIGINT,
    data TEXT NOT NULL,
    created_ms BIGINT NOT NULL
  );
  CREATE INDEX events_run ON %s.events (run_id, seq);
  CREATE INDEX events_created ON %s.events (created_ms);
  `,
];
