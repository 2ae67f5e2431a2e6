import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.js";
import { parseDuration } from "../../time/duration.js";
import { configPath, globalOptions, UserError } from "../context.js";
import { systemdUnit } from "../systemd-unit.js";

interface SystemdOptions {
  user?: boolean;
  grace: string;
}

export function registerSystemd(program: Command): void {
  program
    .command("systemd [config]")
    .description("print a systemd unit that runs `orchestrate run` on this config as a service")
    .option("--user", "a unit for the user's own manager (systemctl --user): no root-only hardening")
    .option("--grace <duration>", "the --grace the unit passes to run; TimeoutStopSec= is set above it", "30s")
    .action((file: string | undefined, options: SystemdOptions, command: Command) => {
      const graceMs = parseDuration(options.grace);
      if (graceMs === null) throw new UserError(`--grace "${options.grace}" is not a duration: use e.g. 30s, 2m`, 2);
      // Only --state itself: ORCHESTRATE_STATE in this shell says nothing about the service's environment.
      const given = globalOptions(command).state;
      const stateOverride = given === undefined || given.includes("://") ? given : resolve(given);
      const config = loadConfigFile(configPath(command, file), { checkFiles: false, stateOverride });
      const jobs = [...config.tasks, ...config.workflows];
      const unit = systemdUnit({
        node: process.execPath,
        entry: installedEntry(),
        config: config.file ?? configPath(command, file),
        stateFile: config.state.includes("://") ? null : config.state,
        graceMs,
        longestKillGraceMs: Math.max(0, ...jobs.map((job) => job.killGraceMs)),
        user: Boolean(options.user),
        stateOverride,
      });
      process.stdout.write(unit);
    });
}

/** bin/orchestrate of this very package, wherever it is installed (a global prefix, node_modules, a clone). */
function installedEntry(): string {
  return realpathSync(fileURLToPath(new URL("../../../bin/orchestrate", import.meta.url)));
}
