import { Command, CommanderError, Option } from "commander";
import { packageVersion } from "../util/version.js";
import { cli } from "./role.js";

type Register = (program: Command) => void;

/**
 * Each command's module is loaded only when that command runs: the engine behind them (YAML, zod,
 * execa, SQLite) takes ~150 ms to load, which `--version` need not pay. In help order.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import("./commands/run.js")).registerRun,
  validate: async () => (await import("./commands/validate.js")).registerValidate,
  next: async () => (await import("./commands/next.js")).registerNext,
  explain: async () => (await import("./commands/explain.js")).registerExplain,
  trigger: async () => (await import("./commands/trigger.js")).registerTrigger,
  history: async () => (await import("./commands/history.js")).registerHistory,
  show: async () => (await import("./commands/show.js")).registerShow,
  schedule: async () => (await import("./commands/schedule.js")).registerSchedule,
  simulate: async () => (await import("./commands/simulate.js")).registerSimulate,
  status: async () => (await import("./commands/status.js")).registerStatus,
  why: async () => (await import("./commands/why.js")).registerWhy,
  logs: async () => (await import("./commands/logs.js")).registerLogs,
  report: async () => (await import("./commands/report.js")).registerReport,
  pause: async () => (await import("./commands/pause.js")).registerPause,
  resume: async () => (await import("./commands/pause.js")).registerPause,
  nodes: async () => (await import("./commands/nodes.js")).registerNodes,
  import: async () => (await import("./commands/import.js")).registerImport,
  systemd: async () => (await import("./commands/systemd.js")).registerSystemd,
  completion: async () => (await import("./commands/completion.js")).registerCompletion,
};


/** The program with its global options and the commands `argv` needs: the one it names, none for `--version`, else all (help, mistakes). */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("orchestrate")
    .description("Run scheduled scripts from orchestration.yaml, and keep a record of every run.")
    .version(packageVersion(), "-V, --version")
    .option("-c, --config <file>", "the configuration file (default ./orchestration.yaml)")
    .option("--state <path-or-url>", "the state store (overrides the config's state:)")
    .addOption(new Option("--log-format <format>", "log lines as text or json").choices(["text", "json"]).default("text"))
    .option("--no-color", "no colours, even on a terminal")
    .option("-q, --quiet", "log only warnings and errors")
    .option("-v, --verbose", "log debug detail too")
    .showHelpAfterError("(run orchestrate --help for usage)")
    // Each command's --help lists these too: they work after the command's name as well.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  const args = argv.slice(2);
  const name = commandName(program, args);
  const asksVersion = args.includes("--version") || args.includes("-V");
  // completion describes every command, so it needs them all, like help.
  const alone = name !== undefined && name !== "completion" && Object.hasOwn(COMMANDS, name);
  const wanted = alone ? [name] : name === undefined && asksVersion ? [] : Object.keys(COMMANDS);
  // One module may register several commands (pause and resume): each register once.
  for (const register of new Set(await Promise.all(wanted.map((n) => COMMANDS[n]!())))) register(program);
  program.commands.forEach((command) => command.exitOverride());
  return program;
}

/** The first argument that is neither a global option nor a global option's value. */
function commandName(program: Command, args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return args[i + 1];
    if (!arg.startsWith("-")) return arg;
    const option = program.options.find((o) => o.short === arg || o.long === arg);
    if (option && (option.required || option.optional)) i++;
  }
  return undefined;
}

/** The CLI entry: exit 0 success, 1 failure or invalid config, 2 bad usage. */
export async function main(argv: string[]): Promise<void> {
  handleClosedOutput();
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const done = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
      process.exitCode = done ? 0 : 2;
      return;
    }
    const { reportError } = await import("./context.js");
    process.exitCode = reportError(error);
  }
}

/**
 * A reader that goes away (`orchestrate history | head`) closes our stdout. A command that only
 * prints just stops, quietly. One that runs something (the daemon, trigger) goes on without that
 * output rather than dying with it: the run finishes, is recorded, and sets the exit code.
 */
function handleClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
      if (!cli.outlivesReader) process.exit(process.exitCode ?? 0);
    });
  }
}
