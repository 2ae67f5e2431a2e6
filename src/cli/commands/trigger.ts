import type { Command } from "commander";
import { configPath, createOrchestrator } from "../context.js";

export function registerTrigger(program: Command): void {
  program
    .command("trigger <name>")
    .description("run one task now, in the foreground, recorded in history; exit 0 if it succeeded")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { orchestrator } = await createOrchestrator(command, configPath(command));
      try {
        const run = await orchestrator.trigger(name);
        process.exitCode = run.status === "succeeded" ? 0 : 1;
      } finally {
        await orchestrator.close();
      }
    });
}
