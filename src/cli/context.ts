import { fstatSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Executor } from "../run/executor.js";
import { ConfigError } from "../config/problems.js";
import type { LoadOptions } from "../config/load.js";
import type { OrchestrationConfig } from "../config/model.js";
import type { LogFormat } from "../events/log-sink.js";
import type { LogLevel } from "../events/types.js";
import type { Orchestrator } from "../orchestrator.js";
import type { OrchestratorCore } from "../orchestrator-core.js";
import type { RunStore } from "../store/contract.js";

// In a module of its own so that main.ts can read it without loading the engine.
export { cli } from "./role.js";

export interface GlobalOptions {
  config?: string;
  state?: string;
  logFormat: LogFormat;
  color: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** A failure the user caused or must act on: printed as one line, exit code 1, never a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** The config file a command works on: its positional argument, then -c/--config, then ./orchestration.yaml. */
export function configPath(command: Command, positional?: string): string {
  return resolve(positional ?? globalOptions(command).config ?? "orchestration.yaml");
}

export function stateOverride(command: Command): string | undefined {
  return globalOptions(command).state ?? process.env.ORCHESTRATE_STATE ?? undefined;
}

export function logLevel(options: GlobalOptions): LogLevel {
  if (options.verbose) return "debug";
  if (options.quiet) return "warn";
  return "info";
}

export function useColor(options: GlobalOptions, stream: NodeJS.WriteStream): boolean {
  return options.color !== false && Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/**
 * An engine with the config loaded and logs going to stdout the way the global options ask. The
 * engine is imported here, not at the top: commands that only read the store start without it.
 */
export async function createOrchestrator(
  command: Command,
  file: string,
  orchestratorOptions: { dryRun?: boolean; labels?: string[] } = {},
  // stderr when stdout carries the command's data (--json).
  logStream: NodeJS.WriteStream = process.stdout,
  loadOptions: LoadOptions = {},
): Promise<{
  orchestrator: Orchestrator;
  config: OrchestrationConfig;
}> {
  const { Orchestrator } = await import("../orchestrator.js");
  const orchestrator = new Orchestrator({ state: stateOverride(command), ...orchestratorOptions });
  const config = orchestrator.loadConfig(file, loadOptions);
  await logTo(orchestrator, command, logStream);
  return { orchestrator, config };
}

/**
 * The engine for `orchestrate run`, which lives for months: its config is read in a child process
 * (and so is every reload), and it never loads the YAML parser, the schema or the task builders.
 */
export async function createDaemon(
  command: Command,
  file: string,
  orchestratorOptions: { dryRun?: boolean; labels?: string[]; executor?: Executor },
  loadOptions: LoadOptions,
): Promise<OrchestratorCore> {
  const state = stateOverride(command);
  // The child parses while this process loads the engine: on two cores, the two waits overlap.
  const { readConfigApart } = await import("../config/read-apart.js");
  const reading = readConfigApart(file, { stateOverride: state, ...loadOptions });
  reading.catch(() => undefined); // handled below, once the engine is loaded: not an unhandled rejection meanwhile
  const { OrchestratorCore } = await import("../orchestrator-core.js");
  const orchestrator = new OrchestratorCore({ state, ...orchestratorOptions });
  await orchestrator.loadConfigInChild(file, loadOptions, reading);
  await logTo(orchestrator, command, process.stdout);
  return orchestrator;
}

/** Logs go to `stream` the way the global options ask. */
async function logTo(orchestrator: OrchestratorCore, command: Command, stream: NodeJS.WriteStream): Promise<void> {
  const options = globalOptions(command);
  const { attachLogSink } = await import("../events/log-sink.js");
  const journal = toJournal(stream);
  attachLogSink(orchestrator.bus, {
    stream,
    format: options.logFormat,
    color: !journal && useColor(options, stream),
    level: logLevel(options),
    priorityPrefix: journal,
  });
}

/** Prints an error the way every command does; returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(error.message + "\n");
    return 1;
  }
  if (error instanceof UserError) {
    process.stderr.write(`orchestrate: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`orchestrate: ${message}\n`);
  if (process.env.ORCHESTRATE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

/**
 * An engine for commands that only need the state store (history, show, schedule): --state or
 * ORCHESTRATE_STATE when given, else the config file's `state:` (its scripts need not exist).
 */
export async function orchestratorForState(command: Command): Promise<Orchestrator> {
  const { Orchestrator } = await import("../orchestrator.js");
  const override = stateOverride(command);
  if (override) return new Orchestrator({ state: absoluteState(override) });
  const orchestrator = new Orchestrator();
  orchestrator.loadConfig(configPath(command), { checkFiles: false });
  return orchestrator;
}

/**
 * The run store alone, opened read-only, for commands that only read it (history, show): it is
 * never created, migrated or locked. With --state it opens without loading the config, which is
 * most of a command's start-up time; the engine is never loaded. A store that does not exist is a
 * StoreNotFoundError, for the command to say so in its own words.
 */
export async function storeForReading(command: Command): Promise<RunStore> {
  const { openStore } = await import("../store/open.js");
  const override = stateOverride(command);
  if (override) return openStore(absoluteState(override), { readOnly: true });
  const { loadConfigFile } = await import("../config/load.js");
  return openStore(loadConfigFile(configPath(command), { checkFiles: false }).state, { readOnly: true });
}

function absoluteState(location: string): string {
  return location.includes("://") ? location : resolve(location);
}

/**
 * The tasks paused in the state store, for commands that show tasks (validate, next, history):
 * read-only, and none when there is no store yet.
 */
export async function pausedTasks(state: string): Promise<Set<string>> {
  const { openStore } = await import("../store/open.js");
  try {
    const store = openStore(state, { readOnly: true });
    try {
      return await store.pausedTasks();
    } finally {
      await store.close();
    }
  } catch {
    // No store yet (StoreNotFoundError), or one this version cannot read: nothing to show as paused.
    return new Set();
  }
}

/**
 * Whether `stream` goes straight to journald: systemd sets JOURNAL_STREAM to the device and inode
 * of the stream it connected (systemd.exec(5)); a stream redirected elsewhere does not match.
 */
export function toJournal(stream: NodeJS.WriteStream): boolean {
  const expected = process.env.JOURNAL_STREAM;
  if (!expected) return false;
  try {
    const { dev, ino } = fstatSync((stream as unknown as { fd: number }).fd);
    return expected === `${dev}:${ino}`;
  } catch {
    return false;
  }
}
