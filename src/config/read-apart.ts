/**
 * The configuration as a long-lived process should read it: in a short-lived child process
 * (plan-child.ts) that parses, validates and normalizes it and prints the plan. This process only
 * parses that JSON, so it keeps neither the YAML parser's garbage nor yaml and zod themselves.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadOptions } from "./load.js";
import type { OrchestrationConfig } from "./model.js";
import type { PlanMessage } from "./plan-message.js";
import { unpackTasks } from "./plan-tasks.js";
import { ConfigError } from "./problems.js";
import type { ConfigSource } from "./source.js";

// Through dist/ from src/ too (tests): the child is always the built one, as the dashboard is.
const CHILD = fileURLToPath(new URL("../../dist/config/plan-child.js", import.meta.url));

/** As loadConfigFile, in a child process: the same config, or a ConfigError with the same problems. */
export function readConfigApart(file: string, options: LoadOptions = {}): Promise<{ config: OrchestrationConfig; source: ConfigSource }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ file, options })], { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => reject(new Error(`cannot start the configuration's reader: ${error.message}`)));
    child.on("close", (code, signal) => {
      let message: PlanMessage;
      try {
        message = JSON.parse(Buffer.concat(stdout).toString("utf8")) as PlanMessage;
      } catch {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const said = Buffer.concat(stderr).toString("utf8").trim().split("\n")[0];
        reject(new Error(`could not read ${file}: the configuration's reader ${how}${said ? `: ${said}` : ""}`));
        return;
      }
      if ("problems" in message) reject(new ConfigError(message.problems));
      else if ("error" in message) reject(new Error(message.error));
      else resolve({ config: { ...message.config, tasks: unpackTasks(message.tasks) }, source: message.source });
    });
  });
}
