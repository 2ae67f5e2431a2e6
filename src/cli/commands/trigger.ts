import type { Command } from "commander";
import { cli, configPath, createOrchestrator } from "../context.js";

export function registerTrigger(program: Command): void {
  program
    .command("trigger <name>")
    .description("run one task now, in the foreground, recorded in history; exit 0 if it succeeded")
    .option("--json", "print the finished run as JSON (the log goes to stderr)")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      // The run is finished and recorded even if whoever reads our output goes away.
      cli.outlivesReader = true;
      const { orchestrator } = await createOrchestrator(command, configPath(command), {}, options.json ? process.stderr : process.stdout);
      try {
        const run = await orchestrator.trigger(name);
        process.exitCode = run.status === "succeeded" ? 0 : 1;
        if (options.json) process.stdout.write(JSON.stringify(run, null, 2) + "\n");
      } finally {
        await orchestrator.close();
      }
    });
}
