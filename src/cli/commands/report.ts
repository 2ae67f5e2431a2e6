import type { Command } from "commander";
import { Option } from "commander";
import { UserError } from "../context.js";

interface ReportOptions {
  status?: "running" | "succeeded" | "failed";
  message?: string;
}

/**
 * `orchestrate report`, from inside a script: a message and/or a status on its own run, found by
 * ORCHESTRATE_RUN_ID. Through the API when the daemon serves one (ORCHESTRATE_API_URL and the run's
 * token), else straight into the state store (ORCHESTRATE_STATE), which the daemon follows.
 */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description("from inside a running script: attach a message and/or a status to its run (the exit code still decides how it ends)")
    .addOption(new Option("--status <status>", "running, succeeded or failed").choices(["running", "succeeded", "failed"]))
    .option("--message <text>", "what to say")
    .action(async (options: ReportOptions) => {
      if (options.status === undefined && options.message === undefined) throw new UserError("give --status, --message, or both", 2);
      const runId = Number(process.env.ORCHESTRATE_RUN_ID);
      if (!Number.isInteger(runId) || runId < 1) {
        throw new UserError("ORCHESTRATE_RUN_ID is not set: run `orchestrate report` from a script orchestrate started", 2);
      }
      const report = { status: options.status ?? null, message: options.message ?? null };
      const api = process.env.ORCHESTRATE_API_URL;
      if (api) return sendToApi(api, runId, report);
      const state = process.env.ORCHESTRATE_STATE;
      if (!state) throw new UserError("neither ORCHESTRATE_API_URL nor ORCHESTRATE_STATE is set: run `orchestrate report` from a script orchestrate started", 2);
      const { openStore } = await import("../../store/open.js");
      const store = openStore(state);
      try {
        const run = await store.getRun(runId);
        if (!run) throw new UserError(`no run ${runId} in ${store.location}`);
        if (run.status !== "running") throw new UserError(`run ${runId} is ${run.status}, not running: nothing to report on`);
        await store.applyWrites([{ kind: "message", id: runId, message: { at: new Date().toISOString(), ...report } }]);
      } finally {
        await store.close();
      }
    });
}

async function sendToApi(base: string, runId: number, report: { status: string | null; message: string | null }): Promise<void> {
  const body = Object.fromEntries(Object.entries(report).filter(([, value]) => value !== null));
  const token = process.env.ORCHESTRATE_REPORT_TOKEN;
  const response = await fetch(new URL(`/v1/runs/${runId}/messages`, base), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => {
    throw new UserError(`could not reach the daemon's API at ${base}: ${error.message}`);
  });
  if (!response.ok) throw new UserError(`the daemon's API refused the report: HTTP ${response.status} ${await response.text()}`);
}
