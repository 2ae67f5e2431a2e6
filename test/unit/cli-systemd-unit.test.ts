import { describe, expect, it } from "vitest";
import { quoteArgument, systemdUnit, WATCHDOG_SEC, type UnitInput } from "../../src/cli/systemd-unit.js";

const base: UnitInput = {
  node: "/usr/bin/node",
  entry: "/usr/lib/node_modules/orchestrate-cron/bin/orchestrate",
  config: "/srv/jobs/orchestration.yaml",
  stateFile: "/srv/jobs/.orchestrate/state.db",
  graceMs: 30_000,
  longestKillGraceMs: 10_000,
  user: false,
};

/** The values of one setting, in order. */
function setting(unit: string, key: string): string[] {
  return unit
    .split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

describe("the systemd unit runs orchestrate run on the config, by absolute paths", () => {
  it("starts node on the installed entry with the config and --grace, in the config's folder", () => {
    const unit = systemdUnit(base);
    expect(setting(unit, "ExecStart")).toEqual(["/usr/bin/node /usr/lib/node_modules/orchestrate-cron/bin/orchestrate run /srv/jobs/orchestration.yaml --grace 30s"]);
    expect(setting(unit, "ExecStartPre")).toEqual(["/usr/bin/node /usr/lib/node_modules/orchestrate-cron/bin/orchestrate validate /srv/jobs/orchestration.yaml"]);
    expect(setting(unit, "WorkingDirectory")).toEqual(["/srv/jobs"]);
  });

  it("passes --state on to run when it was given", () => {
    const unit = systemdUnit({ ...base, stateFile: "/data/state.db", stateOverride: "/data/state.db" });
    expect(setting(unit, "ExecStart")[0]).toMatch(/ run \/srv\/jobs\/orchestration.yaml --grace 30s --state \/data\/state.db$/);
    expect(setting(unit, "ReadWritePaths")).toEqual(["-/srv/jobs -/data"]);
  });

  it("quotes paths with spaces and escapes % and $ the way systemd reads command lines", () => {
    const unit = systemdUnit({ ...base, config: "/srv/my jobs/100%/orchestration.yaml", stateFile: "/srv/my jobs/100%/state.db" });
    expect(setting(unit, "ExecStart")[0]).toContain('"/srv/my jobs/100%%/orchestration.yaml"');
    expect(setting(unit, "WorkingDirectory")).toEqual(["/srv/my jobs/100%%"]);
    expect(quoteArgument("$HOME")).toBe("$$HOME");
    expect(quoteArgument('a"b')).toBe('"a\\"b"');
    expect(quoteArgument("")).toBe('""');
  });
});

describe("the unit talks to systemd the way the daemon does", () => {
  it("is Type=notify, main process only, with a watchdog, reload by SIGHUP, mixed kill and restart on failure", () => {
    const unit = systemdUnit(base);
    expect(setting(unit, "Type")).toEqual(["notify"]);
    expect(setting(unit, "NotifyAccess")).toEqual(["main"]);
    expect(setting(unit, "WatchdogSec")).toEqual([`${WATCHDOG_SEC}s`]);
    expect(setting(unit, "ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"]);
    expect(setting(unit, "KillMode")).toEqual(["mixed"]);
    expect(setting(unit, "Restart")).toEqual(["on-failure"]);
  });

  it("gives a stop longer than --grace plus the longest kill_grace", () => {
    expect(setting(systemdUnit(base), "TimeoutStopSec")).toEqual(["55s"]);
    const long = systemdUnit({ ...base, graceMs: 5 * 60_000, longestKillGraceMs: 1_500 });
    expect(setting(long, "TimeoutStopSec")).toEqual(["317s"]);
    expect(setting(long, "ExecStart")[0]).toMatch(/--grace 5m$/);
  });
});

describe("hardening that still lets it write its state", () => {
  it("makes the system read-only but the config's folder, which holds the default state store", () => {
    const unit = systemdUnit(base);
    expect(setting(unit, "NoNewPrivileges")).toEqual(["yes"]);
    expect(setting(unit, "PrivateTmp")).toEqual(["yes"]);
    expect(setting(unit, "ProtectSystem")).toEqual(["strict"]);
    expect(setting(unit, "ReadWritePaths")).toEqual(["-/srv/jobs"]);
    expect(setting(unit, "StateDirectory")).toEqual([]);
  });

  it("adds the state store's folder when it is elsewhere", () => {
    const unit = systemdUnit({ ...base, stateFile: "/data/orchestrate/state.db" });
    expect(setting(unit, "ReadWritePaths")).toEqual(["-/srv/jobs -/data/orchestrate"]);
  });

  it("lets systemd make /var/lib/orchestrate (StateDirectory=) when the state is kept there", () => {
    const unit = systemdUnit({ ...base, stateFile: "/var/lib/orchestrate/state.db" });
    expect(setting(unit, "StateDirectory")).toEqual(["orchestrate"]);
    expect(setting(unit, "ReadWritePaths")).toEqual(["-/srv/jobs"]);
  });

  it("needs no state folder for a PostgreSQL store", () => {
    expect(setting(systemdUnit({ ...base, stateFile: null }), "ReadWritePaths")).toEqual(["-/srv/jobs"]);
  });
});

describe("a user unit (--user)", () => {
  it("is wanted by default.target and leaves out what needs root", () => {
    const unit = systemdUnit({ ...base, user: true });
    expect(setting(unit, "WantedBy")).toEqual(["default.target"]);
    expect(setting(unit, "NoNewPrivileges")).toEqual(["yes"]);
    for (const key of ["ProtectSystem", "PrivateTmp", "ReadWritePaths", "StateDirectory", "After"]) expect(setting(unit, key)).toEqual([]);
  });

  it("a system unit is wanted by multi-user.target", () => {
    expect(setting(systemdUnit(base), "WantedBy")).toEqual(["multi-user.target"]);
  });
});
