import type { Command } from "commander";
import { parseDuration } from "../../time/duration.js";
import { cli, configPath, createOrchestrator, UserError } from "../context.js";

interface RunOptions {
  grace: string;
  dryRun?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command("run [config]")
    .description("the scheduler daemon, in the foreground, until SIGTERM or SIGINT")
    .option("--grace <duration>", "how long running scripts may finish after a stop signal", "30s")
    .option("--dry-run", "log what would run, run nothing")
    .action(async (file: string | undefined, options: RunOptions, command: Command) => {
      const graceMs = parseDuration(options.grace);
      if (graceMs === null) throw new UserError(`--grace "${options.grace}" is not a duration: use e.g. 30s, 2m`, 2);
      cli.outlivesReader = true;
      const { orchestrator } = await createOrchestrator(command, configPath(command, file), { dryRun: options.dryRun });
      const log = (message: string) => orchestrator.bus.emit("log", { level: "info", message });

      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          log(`${signal} received: no new runs; press Ctrl-C again to kill running scripts now`);
          void orchestrator.stop({ graceMs });
        } else if (signal === "SIGINT") {
          log("second interrupt: killing running scripts now");
          void orchestrator.kill();
        }
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      // A closed terminal or `systemctl reload` must not kill the daemon (Node's default for SIGHUP).
      process.on("SIGHUP", () => log("SIGHUP received: reloading the configuration is not supported yet; still running with the one loaded at start"));
      // The daemon must stay up: a bug in one run's handling is logged, not fatal.
      process.on("uncaughtException", (error) =>
        orchestrator.bus.emit("log", { level: "error", message: `unexpected error (still running): ${error.stack ?? error.message}` }),
      );
      process.on("unhandledRejection", (reason) =>
        orchestrator.bus.emit("log", { level: "error", message: `unexpected error (still running): ${String(reason)}` }),
      );

      await orchestrator.executeTasks();
      log("stopped");
    });
}
