import type { Command } from "commander";
import { configPath, createOrchestrator } from "../context.js";

/** `orchestrate pause TASK` / `orchestrate resume TASK`: kept in the state store, honoured by a running daemon within a second. */
export function registerPause(program: Command): void {
  for (const [verb, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    program
      .command(`${verb} <name>`)
      .description(
        paused
          ? "stop a task's (or workflow's) scheduled fires, until resumed; kept across restarts (each skipped fire is recorded, one record per pause)"
          : "let a paused task (or workflow) fire again",
      )
      .action(async (name: string, _options: unknown, command: Command) => {
        const { orchestrator } = await createOrchestrator(command, configPath(command));
        try {
          if (paused) await orchestrator.pause(name);
          else await orchestrator.resume(name);
          process.stdout.write(`${name} is ${paused ? "paused" : "resumed"}\n`);
        } finally {
          await orchestrator.close();
        }
      });
  }
}
