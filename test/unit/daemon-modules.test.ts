/**
 * The daemon lives for months: what it loads, it holds. `orchestrate run` reads its config in a
 * child process (config/read-apart.ts), so nothing it loads may pull in the parser and the schema
 * (yaml, zod), schedules in words (cronstrue), or the API (fastify, prom-client) unless it serves it
 * (loaded on demand), nor execa: its spawner process starts the children. Read from the static
 * imports of src/, as Node would follow them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
/** What `run` loads: the CLI, the command, and what its action imports (cli/context.ts createDaemon). */
const ROOTS = ["cli/main.ts", "cli/commands/run.ts", "cli/context.ts", "config/read-apart.ts", "orchestrator-core.ts", "events/log-sink.ts"];
const NOT_IN_THE_DAEMON = ["yaml", "zod", "cronstrue", "fastify", "prom-client", "execa"];

/** Every package reached by static (value) imports from the roots, with the chain of files that reaches it. */
function packagesReached(): Map<string, string[]> {
  const chainTo = new Map<string, string[]>(ROOTS.map((root) => [resolve(SRC, root), [root]]));
  const queue = [...chainTo.keys()];
  const packages = new Map<string, string[]>();
  // Type-only imports are erased; `import(...)` is on demand: neither loads anything at start.
  const importPattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^;"']*?\s+from\s+)?["']([^"']+)["']/gm;
  for (let file = queue.shift(); file; file = queue.shift()) {
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(importPattern)) {
      const chain = chainTo.get(file)!;
      if (specifier!.startsWith(".")) {
        const target = resolve(dirname(file), specifier!.replace(/\.js$/, ".ts"));
        if (existsSync(target) && !chainTo.has(target)) {
          chainTo.set(target, [...chain, relative(SRC, target)]);
          queue.push(target);
        }
      } else if (!specifier!.startsWith("node:")) {
        const name = specifier!.startsWith("@") ? specifier!.split("/").slice(0, 2).join("/") : specifier!.split("/")[0]!;
        if (!packages.has(name)) packages.set(name, chain);
      }
    }
  }
  return packages;
}

describe("the daemon loads no parser: its config is read in a child process", () => {
  it("orchestrate run reaches none of yaml, zod, cronstrue, fastify, prom-client, execa (its spawner starts children)", () => {
    const reached = packagesReached();
    const found = NOT_IN_THE_DAEMON.filter((name) => reached.has(name)).map((name) => `${name}: ${reached.get(name)!.join(" -> ")}`);
    expect(found).toEqual([]);
  });

  it("the walk does find packages (croner, through the scheduler)", () => {
    expect(packagesReached().has("croner")).toBe(true);
  });
});
