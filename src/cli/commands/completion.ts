import { Argument, type Command, type Option } from "commander";
import { bashCompletion, zshCompletion, type CompletionCommand, type CompletionOption, type ValueKind } from "../completion-script.js";

/** Positional arguments named so hold a config file or a crontab; these, a task's or workflow's name. */
const FILE_ARGUMENTS = new Set(["config", "file"]);
const TASK_ARGUMENTS = new Set(["name", "task"]);

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script: commands, options, and task names from ./orchestration.yaml (or -c FILE)")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(["bash", "zsh"]))
    .action((shell: "bash" | "zsh", _options: unknown, command: Command) => {
      // main.ts registers every command when this one runs, so the parent knows them all.
      const root = describeCommand(command.parent!, true);
      process.stdout.write(shell === "bash" ? bashCompletion(root) : zshCompletion(root));
    });
}

function describeCommand(command: Command, isRoot = false): CompletionCommand {
  const options = command.options.filter((o) => !o.hidden).map(describeOption);
  // Each subcommand is offered the program's options too, which hold this one.
  if (isRoot) options.push({ flags: ["-h", "--help"], description: "show help", value: null });
  return {
    name: command.name(),
    description: command.description(),
    options,
    args: command.registeredArguments.map((argument) => argumentKind(argument.name(), argument.argChoices)),
    configArgument: command.registeredArguments[0]?.name() === "config",
    subcommands: isRoot || command.commands.length > 0 ? command.commands.filter((c) => c.name() !== "help").map((c) => describeCommand(c)) : [],
  };
}

function describeOption(option: Option): CompletionOption {
  const flags = [option.short, option.long].filter((f): f is string => Boolean(f));
  const takesValue = option.required || option.optional;
  return { flags, description: option.description, value: takesValue ? optionKind(option) : null };
}

function optionKind(option: Option): ValueKind {
  if (option.argChoices) return { kind: "choices", choices: option.argChoices };
  if (/<(?:file|path)/.test(option.flags)) return { kind: "file" };
  if (option.long === "--task") return { kind: "task" };
  return { kind: "none" };
}

function argumentKind(name: string, choices: string[] | undefined): ValueKind {
  if (choices) return { kind: "choices", choices };
  if (FILE_ARGUMENTS.has(name)) return { kind: "file" };
  if (TASK_ARGUMENTS.has(name)) return { kind: "task" };
  return { kind: "none" };
}
