/**
 * The text of a systemd service unit that runs `orchestrate run` (`orchestrate systemd`). Pure: the
 * command gathers the paths and the config's facts, this only writes them down, so every line can
 * be tested without a config, a node binary or systemd.
 */
import { dirname, relative, sep } from "node:path";
import { formatDuration } from "../time/duration.js";

export interface UnitInput {
  /** The node binary (process.execPath): a unit's ExecStart= needs an absolute path. */
  node: string;
  /** This package's bin/orchestrate, absolute. */
  entry: string;
  /** The configuration file, absolute. */
  config: string;
  /** The SQLite state file, absolute; null when the state is a PostgreSQL URL. */
  stateFile: string | null;
  /** `--state` given to this command: passed on to `run`, which would otherwise use the config's `state:`. */
  stateOverride?: string;
  /** `run --grace`, in ms. */
  graceMs: number;
  /** The longest kill_grace of any task or workflow, in ms: scripts still running after --grace get that long. */
  longestKillGraceMs: number;
  /** A user unit (`systemctl --user`): no hardening that needs root. */
  user: boolean;
}

/** systemd's watchdog: the daemon answers at half of it (WATCHDOG=1), so a stall this long restarts it. */
export const WATCHDOG_SEC = 60;
/** Beyond --grace and kill_grace: time to close the store and say STOPPING before systemd's SIGKILL. */
const STOP_MARGIN_SEC = 15;
/** The state directory systemd makes (and owns) when StateDirectory=orchestrate is set. */
const SYSTEM_STATE_DIRECTORY = "/var/lib/orchestrate";

export function systemdUnit(input: UnitInput): string {
  const configDir = dirname(input.config);
  const stopSec = Math.ceil((input.graceMs + input.longestKillGraceMs) / 1000) + STOP_MARGIN_SEC;
  const grace = formatDuration(input.graceMs);
  const exec = (...args: string[]) => args.map(quoteArgument).join(" ");

  const unit = [
    "[Unit]",
    `Description=orchestrate: scheduled jobs from ${escapeSpecifiers(input.config)}`,
    "Documentation=https://www.npmjs.com/package/orchestrate-cron",
    ...(input.user ? [] : ["After=network-online.target", "Wants=network-online.target"]),
    "",
    "[Service]",
    // The daemon says READY=1 once the config is loaded and the store open, RELOADING=1/READY=1
    // around a reload, STOPPING=1 on the way out, and WATCHDOG=1 at half of WatchdogSec, all from
    // its main process (no helper process sends anything, so NotifyAccess=main is enough).
    "Type=notify",
    "NotifyAccess=main",
    `WatchdogSec=${WATCHDOG_SEC}s`,
    `WorkingDirectory=${escapeSpecifiers(configDir)}`,
    `ExecStartPre=${exec(input.node, input.entry, "validate", input.config)}`,
    `ExecStart=${exec(input.node, input.entry, "run", input.config, "--grace", grace, ...(input.stateOverride ? ["--state", input.stateOverride] : []))}`,
    // SIGHUP reloads the file: checked first, and a bad one leaves the running tasks as they were.
    "ExecReload=/bin/kill -HUP $MAINPID",
    // SIGTERM to orchestrate alone: it lets running scripts finish for --grace, then stops their
    // process groups itself. The default (control-group) would SIGTERM every script at once.
    "KillMode=mixed",
    `TimeoutStopSec=${stopSec}s`,
    "Restart=on-failure",
    "RestartSec=5s",
    ...hardening(input, configDir),
    "",
    "[Install]",
    `WantedBy=${input.user ? "default.target" : "multi-user.target"}`,
  ];
  return unit.join("\n") + "\n";
}

function hardening(input: UnitInput, configDir: string): string[] {
  // A user manager cannot set up mount namespaces (ProtectSystem=, PrivateTmp=, ReadWritePaths=)
  // without root; NoNewPrivileges= is a prctl any process may set.
  if (input.user) return ["NoNewPrivileges=yes"];
  const writable = [configDir];
  const stateDir = input.stateFile === null ? null : dirname(input.stateFile);
  const inStateDirectory = stateDir !== null && isInside(stateDir, SYSTEM_STATE_DIRECTORY);
  if (stateDir !== null && !inStateDirectory && !isInside(stateDir, configDir)) writable.push(stateDir);
  return [
    // With user: tasks the daemon must run as root, and switching accounts is setuid, not a
    // new privilege: NoNewPrivileges= only stops setuid binaries (sudo) inside scripts.
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    // The whole file system read-only, except the config's folder (the default state store, the
    // scripts' working directories) and the state store's folder. Scripts that write elsewhere
    // need those paths added here.
    "ProtectSystem=strict",
    ...(inStateDirectory ? ["StateDirectory=orchestrate"] : []),
    // "-": a folder that does not exist yet is no reason to refuse to start.
    `ReadWritePaths=${writable.map((dir) => quoteArgument(`-${dir}`)).join(" ")}`,
  ];
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep));
}

/** `%` starts a specifier in nearly every setting (systemd.unit(5)); `%%` is a literal one. */
function escapeSpecifiers(text: string): string {
  return text.replaceAll("%", "%%");
}

/**
 * One word of a command line as systemd splits it (systemd.service(5), "Command lines"): double
 * quotes around anything with spaces, quotes or backslashes; `$` doubled so it is not expanded.
 */
export function quoteArgument(word: string): string {
  const text = escapeSpecifiers(word).replaceAll("$", () => "$$");
  if (text !== "" && !/[\s"'\\;]/.test(text)) return text;
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
