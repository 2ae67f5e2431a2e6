/**
 * The configuration as a long-lived process should read it: in a short-lived child process
 * (plan-child.ts) that parses, validates and normalizes it and prints the plan. This process only
 * parses that JSON, a line at a time as it arrives, so it keeps neither the YAML parser's garbage
 * nor yaml and zod themselves, and no line outlives the task made from it.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadOptions } from "./load.js";
import type { OrchestrationConfig, TaskSpec } from "./model.js";
import type { PlanHead } from "./plan-message.js";
import { TaskUnpacker } from "./plan-tasks.js";
import { ConfigError } from "./problems.js";
import type { ConfigSource } from "./source.js";

// Through dist/ from src/ too (tests): the child is always the built one, as the dashboard is.
const CHILD = fileURLToPath(new URL("../../dist/config/plan-child.js", import.meta.url));

/** As loadConfigFile, in a child process: the same config, or a ConfigError with the same problems. */
export function readConfigApart(file: string, options: LoadOptions = {}): Promise<{ config: OrchestrationConfig; source: ConfigSource }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ file, options })], { stdio: ["ignore", "pipe", "pipe"] });
    let head: PlanHead | null = null;
    let unpacker: TaskUnpacker | null = null;
    const tasks: TaskSpec[] = [];
    let partial = "";
    let unreadable = false;
    const take = (line: string) => {
      if (head === null) {
        head = JSON.parse(line) as PlanHead;
        if ("config" in head) unpacker = new TaskUnpacker(head.common);
      } else if (unpacker) {
        tasks.push(unpacker.unpack(JSON.parse(line) as Record<string, unknown>));
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (unreadable) return;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      try {
        for (const line of lines) take(line);
      } catch {
        unreadable = true;
      }
    });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => reject(new Error(`cannot start the configuration's reader: ${error.message}`)));
    child.on("close", (code, signal) => {
      const answer = head as PlanHead | null;
      const complete = answer !== null && !unreadable && partial === "" && (!("config" in answer) || tasks.length === answer.tasks);
      if (!complete) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const said = Buffer.concat(stderr).toString("utf8").trim().split("\n")[0];
        reject(new Error(`could not read ${file}: the configuration's reader ${how}${said ? `: ${said}` : ""}`));
      } else if ("problems" in answer) reject(new ConfigError(answer.problems));
      else if ("error" in answer) reject(new Error(answer.error));
      else resolve({ config: { ...answer.config, tasks }, source: answer.source });
    });
  });
}
