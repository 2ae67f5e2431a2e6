import type { Command } from "commander";
import { NODE_LABEL } from "../../config/node-label.js";
import { parseListen } from "../../config/listen.js";
import { parseDuration } from "../../time/duration.js";
import { cli, configPath, createDaemon, UserError } from "../context.js";
import { serveAsDaemon } from "../service.js";
import { holdYoungGeneration } from "../../util/young-generation.js";

interface RunOptions {
  grace: string;
  dryRun?: boolean;
  watch?: boolean;
  label: string[];
  api?: string;
}

export function registerRun(program: Command): void {
  program
    .command("run [config]")
    .description("the scheduler daemon, in the foreground, until SIGTERM or SIGINT")
    .option("--grace <duration>", "how long running scripts may finish after a stop signal", "30s")
    .option("--dry-run", "log what would run, run nothing")
    .option("--watch", "reload the configuration whenever its file changes (as on SIGHUP)")
    .option("--label <label>", "in a cluster: this daemon also fires the tasks whose nodes: lists this label (repeatable)", collect, [])
    .option("--api <host:port>", "serve the REST API, metrics and event stream here (overrides api.listen; api.token_env still applies)")
    .action(async (file: string | undefined, options: RunOptions, command: Command) => {
      const graceMs = parseDuration(options.grace);
      if (graceMs === null) throw new UserError(`--grace "${options.grace}" is not a duration: use e.g. 30s, 2m`, 2);
      if (options.api !== undefined && parseListen(options.api) === null) throw new UserError(`--api "${options.api}" is not HOST:PORT: use e.g. 127.0.0.1:7070`, 2);
      cli.outlivesReader = true;
      const path = configPath(command, file);
      // Forked first, while this process is at its smallest: every child is started by it.
      let warn = (message: string): void => void process.stderr.write(`orchestrate: ${message}\n`);
      const executor = options.dryRun || process.env.ORCHESTRATE_SPAWNER === "off" ? await inThisProcess() : await startSpawner((message) => warn(message));
      // What the start-up allocates must not size the idle daemon's heap (util/young-generation.ts).
      const releaseYoungGeneration = holdYoungGeneration();
      const orchestrator = await createDaemon(command, path, { dryRun: options.dryRun, labels: labelsOf(options.label), executor }, { apiOverride: options.api });
      orchestrator.bus.on("daemon.started", releaseYoungGeneration);
      const log = (message: string) => orchestrator.bus.emit("log", { level: "info", message });
      warn = (message: string) => orchestrator.bus.emit("log", { level: "warn", message });

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
      // SIGHUP (systemctl reload, a closed terminal) reloads the configuration; it never kills the daemon.
      const unhook = serveAsDaemon(orchestrator, { watchFile: options.watch ? path : undefined });
      // The daemon must stay up: a bug in one run's handling is logged, not fatal.
      process.on("uncaughtException", (error) =>
        orchestrator.bus.emit("log", { level: "error", message: `unexpected error (still running): ${error.stack ?? error.message}` }),
      );
      process.on("unhandledRejection", (reason) =>
        orchestrator.bus.emit("log", { level: "error", message: `unexpected error (still running): ${String(reason)}` }),
      );

      await orchestrator.executeTasks();
      if ("close" in executor) executor.close();
      unhook();
      log("stopped");
    });
}

/** Children started by the daemon itself (`--dry-run` starts none; ORCHESTRATE_SPAWNER=off). */
async function inThisProcess() {
  const { LocalExecutor } = await import("../../run/local-executor.js");
  return new LocalExecutor();
}

async function startSpawner(onWarning: (message: string) => void) {
  const { SpawnerExecutor } = await import("../../spawner/executor.js");
  return new SpawnerExecutor({ onWarning });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--label a --label b` or `--label a,b`; a label is a name like a task's. */
function labelsOf(values: string[]): string[] {
  const labels = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  for (const label of labels) {
    if (!NODE_LABEL.test(label)) throw new UserError(`--label "${label}" is not a label: use letters, digits, "_", "." and "-"`, 2);
  }
  return labels;
}
