/**
 * What `orchestrate status` needs of the configuration (each job's name, trigger, zone and the
 * skip rules that can be judged ahead), kept by the daemon beside its SQLite state as
 * `status-plan.json`, keyed by the config file's bytes, the package version and TZ. `status` reads
 * it instead of parsing and validating the YAML (zod and yaml are most of its start-up); any
 * difference in the key, or no plan, and it loads the file as every other command does.
 */
import { closeSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { OrchestrationConfig, SkipRule, TaskSpec, WorkflowSpec } from "../config/model.js";
import { statusPlanKey } from "../config/source.js";
import type { Trigger } from "../schedule/types.js";

const FILE = "status-plan.json";

export interface PlannedJob {
  name: string;
  kind: "task" | "workflow";
  description: string | null;
  trigger: Trigger | null;
  timezone: string;
  /** The rules status judges ahead (weekdays, dates); the others depend on the moment of the fire. */
  skip: SkipRule[];
}

export interface StatusPlan {
  key: string;
  /** The config's `state:`, resolved. */
  state: string;
  jobs: PlannedJob[];
}

/** Where the plan of a SQLite state file lives (none for other stores). */
export function planPath(state: string): string | null {
  if (state.includes("://") || state === ":memory:") return null;
  return join(dirname(state), FILE);
}

/**
 * Written by the daemon once its config is loaded, under the key of the config's text
 * (statusPlanKey); a folder it cannot write only costs status its shortcut.
 */
export function writeStatusPlan(config: OrchestrationConfig, key: string): void {
  const path = planPath(config.state);
  if (path === null) return;
  try {
    const fd = openSync(`${path}.tmp`, "w");
    try {
      // Written a piece at a time: the whole text of 10,000 jobs (1.3 MB) would be a daemon's largest
      // allocation after its start, and garbage the moment it is written.
      let text = `{"key":${JSON.stringify(key)},"state":${JSON.stringify(config.state)},"jobs":[`;
      let first = true;
      for (const job of [...config.tasks, ...config.workflows]) {
        text += (first ? "" : ",") + JSON.stringify(plannedJob(job));
        first = false;
        if (text.length >= WRITE_PIECE) {
          writeSync(fd, text);
          text = "";
        }
      }
      writeSync(fd, `${text}]}`);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
  } catch {
    // Read-only, full or gone: status loads the config itself.
  }
}

const WRITE_PIECE = 64 * 1024;

function plannedJob(job: TaskSpec | WorkflowSpec): PlannedJob {
  return {
    name: job.name,
    kind: "steps" in job ? "workflow" : "task",
    description: job.description,
    trigger: job.trigger,
    timezone: job.timezone,
    skip: job.skip.filter((rule) => rule.kind === "weekdays" || rule.kind === "dates"),
  };
}

/** The plan at `path` when it was made from exactly this config text (and version, and TZ). */
export function readStatusPlan(path: string, configText: string, version: string): StatusPlan | null {
  try {
    const plan = JSON.parse(readFileSync(path, "utf8")) as StatusPlan;
    return plan.key === statusPlanKey(configText, version) && Array.isArray(plan.jobs) ? plan : null;
  } catch {
    return null;
  }
}
