/**
 * Seed 003's README, in TypeScript: tasks built in code instead of YAML, on the same engine and
 * state store as the `orchestrate` CLI. After `npm run build`, from the repository root:
 *
 *   node dist/examples/library.js
 *
 * It runs for about six seconds, prints what happened, and stops.
 */
import { Orchestrator } from "orchestrate-cron";

// Creating an Orchestrator (the state store records every run: `orchestrate history --state ...`).
const orchestrator = new Orchestrator({ state: ".orchestrate/library-example.db" });

// Adding tasks: a cron expression (6 fields: every 2 seconds) and the script type.
const task = orchestrator.addTask("*/2 * * * * *", "bash", { name: "greetings", timeout: "30s" });

// Adding scripts: a path and its parameters, passed as --name library.
task.addScript("examples/scripts/greet.sh", { name: "library" });

// Adding repeats: the same script once per parameter set.
task.addRepeat("examples/scripts/greet.sh", [{ name: "first repeat" }, { name: "second repeat" }]);

// Adding skip conditions: sync or async predicates that get the fire's context.
task.addSkip(async ({ scheduledAt }) => scheduledAt.getUTCSeconds() % 6 === 0, "every third fire");

orchestrator.on("invocation.output", (e) => console.log(`[${e.task}#${e.runId}] ${e.line}`));
orchestrator.on("run.skipped", (e) => console.log(`[${e.task}#${e.runId}] skipped: ${e.reason}`));
orchestrator.on("run.succeeded", async (e) => {
  const run = await orchestrator.getResults(e.runId);
  console.log(`[${e.task}#${e.runId}] ${run?.status}: ${run?.invocations.length} invocations, ${run?.attempts} attempt(s)`);
});

// Executing tasks: runs until stop().
setTimeout(() => void orchestrator.stop(), 6_000);
await orchestrator.executeTasks();
console.log("stopped");
