/** Tasks and workflows: how they stand, and what a person asks of them (run now, pause, resume). */
import { DaemonStoppingError, type Runtime } from "../../engine/runtime.js";
import type { JobStatus } from "../../engine/status.js";
import { ApiError, notFound, type Route } from "../route.js";
import { runBrief, runSummary } from "../run-summary.js";
import { taskParams, tasksQuery } from "../schemas.js";

type NameParams = { name: string };

export function taskRoutes(runtime: Runtime): Route[] {
  const statusOf = async (name: string): Promise<JobStatus> => {
    const [found] = await runtime.status(name);
    if (!found) throw notFound(`no task or workflow named "${name}"`);
    return found;
  };
  return [
    {
      method: "GET",
      url: "/v1/tasks",
      summary: "every task and workflow: schedule, next fire, paused, running runs, last run (with ?recent=N its last N runs, briefly; ?view=summary: lastRun as a summary)",
      schema: { querystring: tasksQuery },
      responses: { 200: "{ tasks: [...] }" },
      handler: async (request) => {
        const { recent, view } = request.query as { recent: number; view: "full" | "summary" };
        const tasks = (await runtime.status()).map((task) => (view === "summary" && task.lastRun ? { ...task, lastRun: runSummary(task.lastRun) } : task));
        if (recent === 0) return { tasks };
        return {
          tasks: await Promise.all(
            tasks.map(async (task) => ({ ...task, recentRuns: (await runtime.history({ task: task.name, limit: recent })).map(runBrief) })),
          ),
        };
      },
    },
    {
      method: "GET",
      url: "/v1/tasks/:name",
      summary: "one task or workflow, as in /v1/tasks",
      schema: { params: taskParams },
      responses: { 200: "the task", 404: "no such task" },
      handler: async (request) => statusOf((request.params as NameParams).name),
    },
    {
      method: "POST",
      url: "/v1/tasks/:name/trigger",
      summary: "run it now (trigger `api`), through its concurrency policy like a scheduled fire",
      schema: { params: taskParams },
      responses: { 202: "{ id, status }: running, skipped (id of the skip record) or queued (id null until it starts)", 404: "no such task", 503: "the daemon is stopping" },
      handler: async (request, reply) => {
        const { name } = request.params as NameParams;
        await statusOf(name);
        const outcome = await runtime.request(name, "api").catch((error: Error) => {
          throw error instanceof DaemonStoppingError ? new ApiError(503, error.message) : error;
        });
        return reply.code(202).send({ id: outcome.runId, status: outcome.status });
      },
    },
    ...(["pause", "resume"] as const).map(
      (verb): Route => ({
        method: "POST",
        url: `/v1/tasks/:name/${verb}`,
        summary: verb === "pause" ? "stop its scheduled fires until resumed (kept across restarts)" : "let a paused task fire again",
        schema: { params: taskParams },
        responses: { 200: "{ name, paused }", 404: "no such task" },
        handler: async (request) => {
          const { name } = request.params as NameParams;
          await statusOf(name);
          await runtime.setPaused(name, verb === "pause");
          return { name, paused: verb === "pause" };
        },
      }),
    ),
  ];
}
