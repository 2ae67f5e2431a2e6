/** SPEC §3's sample file, whole. */
export const SPEC_SAMPLE = `version: 1
state: .orchestrate/state.db
defaults:
  timezone: Europe/Berlin
  timeout: 1h
tasks:
  nightly-report:
    description: Build and mail the nightly report
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    type: python
    scripts:
      - path: scripts/report.py
        params: { region: eu, day: "{{ scheduled_at | date: yyyy-MM-dd }}" }
    repeat:
      - path: scripts/sync.sh
        params: [ { bucket: a }, { bucket: b } ]
      - path: scripts/sync.sh
        params_from: "scripts/list_buckets.py"
    skip:
      - weekdays: [sat, sun]
      - dates: ["2026-12-25", "2026-12-24..2026-12-31"]
      - command: "test -f /run/maintenance"
      - file_exists: /run/maintenance
      - env: SKIP_REPORTS
    timeout: 30m
    retries: 2
    retry_delay: 10s
    concurrency: forbid
    catch_up: none
    catch_up_window: 24h
    jitter: 0s
    deadline: 15m
    env: { PGHOST: db1 }
    env_file: .env              # dotenv lines, like systemd's EnvironmentFile= (env: wins)
    user: backup                # run the scripts as this account (daemon running as root only)
    cwd: .
  ping:
    every: 30s
    http: { url: "https://example.com/health", method: GET, headers: {}, timeout: 10s, expect: "2xx" }
  warm-cache:
    delay: 10s
    command: "curl -fsS localhost:8080/warm"
workflows:
  etl:
    cron: "0 1 * * *"
    max_parallel: 4
    steps:
      extract:   { type: python, scripts: [ { path: etl/extract.py } ], rollback: { command: "etl/undo_extract.sh" } }
      transform: { depends_on: [extract], scripts: [ { path: etl/transform.py } ], retries: 2 }
      load:      { depends_on: [transform], scripts: [ { path: etl/load.py } ] }
notify:
  - webhook: https://hooks.example.com/orchestrate
    events: [started, succeeded, failed]
    secret_env: WEBHOOK_SECRET
  - command: scripts/page-oncall.sh
    events: [failed, late, missed]
  - heartbeat: https://hc-ping.example.com/uuid
    every: 1m
api:
  listen: 127.0.0.1:7070
  token_env: ORCHESTRATE_TOKEN
history:
  keep_runs: 1000
  keep_days: 90
  output_limit: 64KiB
`;
