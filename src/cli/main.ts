import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { cli, reportError } from "./context.js";
import { registerExplain } from "./commands/explain.js";
import { registerHistory } from "./commands/history.js";
import { registerNext } from "./commands/next.js";
import { registerRun } from "./commands/run.js";
import { registerSchedule } from "./commands/schedule.js";
import { registerShow } from "./commands/show.js";
import { registerTrigger } from "./commands/trigger.js";
import { registerValidate } from "./commands/validate.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("orchestrate")
    .description("Run scheduled scripts from orchestration.yaml, and keep a record of every run.")
    .version(version(), "--version")
    .option("-c, --config <file>", "the configuration file (default ./orchestration.yaml)")
    .option("--state <path-or-url>", "the state store (overrides the config's state:)")
    .addOption(new Option("--log-format <format>", "log lines as text or json").choices(["text", "json"]).default("text"))
    .option("--no-color", "no colours, even on a terminal")
    .option("-q, --quiet", "log only warnings and errors")
    .option("-v, --verbose", "log debug detail too")
    .showHelpAfterError("(run orchestrate --help for usage)")
    .exitOverride();
  for (const register of [registerRun, registerValidate, registerNext, registerExplain, registerTrigger, registerHistory, registerShow, registerSchedule]) {
    register(program);
  }
  program.commands.forEach((command) => command.exitOverride());
  return program;
}

/** The CLI entry: exit 0 success, 1 failure or invalid config, 2 bad usage. */
export async function main(argv: string[]): Promise<void> {
  handleClosedOutput();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const done = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
      process.exitCode = done ? 0 : 2;
      return;
    }
    process.exitCode = reportError(error);
  }
}

/**
 * A reader that goes away (`orchestrate history | head`) closes our stdout. A command just stops,
 * quietly; the daemon keeps running its jobs without that log rather than dying with it.
 */
function handleClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      if (!cli.daemon) process.exit(process.exitCode ?? 0);
    });
  }
}
