import type { Command } from "commander";
import type { RunRecord } from "../../store/types.js";
import { storeForReading, UserError } from "../context.js";

/** How often `logs -f` looks for more: the daemon records a running run's output every 2 s. */
const FOLLOW_EVERY_MS = 500;

/**
 * `orchestrate logs RUN_ID [-f]`: a run's output (the tail the store keeps), and with -f what it
 * prints next, while it runs. For a workflow, each step's, named.
 */
export function registerLogs(program: Command): void {
  program
    .command("logs <run-id>")
    .description("a run's output; -f follows it while the run goes on")
    .option("-f, --follow", "keep printing what the run prints until it ends")
    .action(async (idText: string, options: { follow?: boolean }, command: Command) => {
      const id = Number(idText);
      if (!Number.isInteger(id) || id < 1) throw new UserError(`"${idText}" is not a run id: ids are whole numbers (see orchestrate history)`, 2);
      const store = await storeForReading(command);
      try {
        let printed = "";
        for (;;) {
          const run = await store.getRun(id);
          if (!run) throw new UserError(`no run ${id} in ${store.location}`);
          const text = outputOf(run);
          process.stdout.write(newPart(printed, text));
          printed = text;
          if (!options.follow || !["running", "pending"].includes(run.status)) return;
          await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
        }
      } finally {
        await store.close();
      }
    });
}

/** A task run's output, or each step's under its name. Ends with a newline when there is any. */
function outputOf(run: RunRecord): string {
  const text =
    run.steps.length === 0
      ? run.output
      : run.steps
          .filter((step) => step.output !== "")
          .map((step) => `== ${step.name} ==\n${step.output}`)
          .join("\n");
  return text === "" ? "" : `${text.replace(/\n+$/, "")}\n`;
}

/**
 * What `now` adds to what was printed. The store keeps a tail, so older lines fall off its front
 * as new ones come: the new part is what follows the longest end of `printed` that `now` begins with.
 */
export function newPart(printed: string, now: string): string {
  if (printed === "") return now;
  if (now.startsWith(printed)) return now.slice(printed.length);
  for (let start = printed.indexOf("\n") + 1; start > 0 && start < printed.length; start = printed.indexOf("\n", start) + 1) {
    const rest = printed.slice(start);
    if (now.startsWith(rest)) return now.slice(rest.length);
  }
  return now;
}
