/**
 * Seed 002's workflow orchestrator, in TypeScript: a DAG of steps, each an async function that gets
 * the outputs of the steps before it and returns its own, with retries per step and a rollback
 * when a later step finally fails. After `npm run build`, from the repository root:
 *
 *   node dist/examples/workflow.js
 *
 * It runs the pipeline twice: once through, once with a load that fails, which rolls back.
 */
import { Orchestrator } from "orchestrate-cron";

const orchestrator = new Orchestrator({ state: ".orchestrate/workflow-example.db" });
const warehouse: string[] = [];

function pipeline(name: string, failLoad: boolean) {
  return orchestrator
    .addWorkflow(name, { maxParallel: 2 })
    .addStep("extract", async () => ({ rows: 3 }), {
      rollback: async () => console.log(`  rollback extract: nothing to undo`),
    })
    .addStep("clean", async (inputs) => ({ rows: Number(inputs.extract!.rows) - 1 }), { dependsOn: ["extract"] })
    .addStep("enrich", async (inputs) => ({ source: `crm (${inputs.extract!.rows} rows)` }), { dependsOn: ["extract"] })
    .addStep(
      "load",
      async (inputs, { attempt }) => {
        if (failLoad) throw new Error(`the warehouse refused the load (attempt ${attempt})`);
        warehouse.push(`${inputs.clean!.rows} rows from ${inputs.enrich!.source}`);
        return { loaded: inputs.clean!.rows };
      },
      {
        dependsOn: ["clean", "enrich"],
        retries: 2,
        retryDelay: "100ms",
        rollback: { action: async () => console.log(`  rollback load: nothing was loaded`), retries: 1 },
      },
    );
}

pipeline("etl", false);
pipeline("etl-that-fails", true).addStep("report", async (inputs) => ({ summary: `${inputs.load?.loaded} rows` }), { dependsOn: ["load"] });

orchestrator.on("step.succeeded", (e) => console.log(`  ${e.task}: ${e.step} succeeded${Object.keys(e.outputs).length ? ` ${JSON.stringify(e.outputs)}` : ""}`));
orchestrator.on("step.failed", (e) => console.log(`  ${e.task}: ${e.step} failed: ${e.error}`));
orchestrator.on("step.skipped", (e) => console.log(`  ${e.task}: ${e.step} skipped (${e.reason})`));
orchestrator.on("step.rollback", (e) => e.status !== "running" && console.log(`  ${e.task}: ${e.step} rolled back: ${e.status}`));

for (const name of ["etl", "etl-that-fails"]) {
  console.log(`${name}:`);
  const run = await orchestrator.trigger(name);
  console.log(`${name}: ${run.status} (run ${run.id})${run.error ? `: ${run.error}` : ""}`);
}
console.log(`warehouse: ${JSON.stringify(warehouse)}`);
await orchestrator.close();
