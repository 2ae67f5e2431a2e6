import type { Command } from "commander";
import { configPath, stateOverride, UserError } from "../context.js";
import { formatInZone } from "../format.js";

interface WhyOptions {
  at?: string;
  json?: boolean;
}

/**
 * `orchestrate why TASK [--at TIME]`: what became of the fire due at (or last before) a time, from
 * the store's records and the daemon's own schedule code. Read-only, like `history`.
 */
export function registerWhy(program: Command): void {
  program
    .command("why <task>")
    .description("why a task's fire at (or last before) a time ran or did not: skipped, paused, missed, blocked, never due")
    .option("--at <time>", "the time asked about (default now); without Z or an offset, a wall time in the task's timezone")
    .option("--json", "print the answer as JSON: {verdict, fire, previousFire, nextFire, run, answer, details}")
    .action(async (name: string, options: WhyOptions, command: Command) => {
      const [{ loadConfigFile }, { openStore, StoreNotFoundError }, { Orchestrator }, { zonedWallTimeToEpoch, TIME_EXAMPLES }] = await Promise.all([
        import("../../config/load.js"),
        import("../../store/open.js"),
        import("../../orchestrator.js"),
        import("../../time/zones.js"),
      ]);
      const config = loadConfigFile(configPath(command), { stateOverride: stateOverride(command), checkFiles: false });
      const job = [...config.tasks, ...config.workflows].find((j) => j.name === name);
      if (!job) throw new UserError(`no task or workflow named "${name}" in ${configPath(command)}`);
      let atMs: number | null = null;
      if (options.at !== undefined && options.at !== "now") {
        try {
          atMs = zonedWallTimeToEpoch(options.at, job.timezone);
        } catch {
          throw new UserError(`--at "${options.at}" is not a time: use ${TIME_EXAMPLES}`, 2);
        }
      }
      let store;
      try {
        store = openStore(config.state, { readOnly: true });
      } catch (error) {
        if (!(error instanceof StoreNotFoundError)) throw error;
        // No store: the daemon has never run with this state, which is an answer too.
        store = openStore(":memory:");
      }
      try {
        const answer = await new Orchestrator({ config, store }).why(name, { ...(atMs !== null && { at: new Date(atMs) }), formatTime: (ms) => formatInZone(ms, job.timezone) });
        if (options.json) {
          process.stdout.write(JSON.stringify(answer, null, 2) + "\n");
          return;
        }
        const lines = [answer.answer, ...answer.details.map((d) => `  - ${d}`)];
        process.stdout.write(lines.join("\n") + "\n");
      } finally {
        await store.close();
      }
    });
}
