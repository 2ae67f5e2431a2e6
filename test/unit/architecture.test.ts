/**
 * The import rules of src/ (.dependency-cruiser.cjs), checked by dependency-cruiser itself: rooms
 * import only the rooms below them, and nothing imports in a circle. The second test shows the rules
 * bite, on a small tree that breaks each of them.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function violations(cwd: string): Promise<Violation[]> {
  const config = join(ROOT, ".dependency-cruiser.cjs");
  // depcruise exits non-zero when it finds violations; the JSON on stdout says which.
  const { stdout } = await promisify(execFile)(process.execPath, [DEPCRUISE, "src", "--config", config, "--output-type", "json"], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe("the layout shows the architecture: lower rooms never import higher ones, and there are no cycles", () => {
  it("src/ keeps the rules", async () => {
    const found = await violations(ROOT);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 60_000);

  it("an upward import and a cycle are each reported", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestrate-architecture-"));
    try {
      const files: Record<string, string> = {
        "src/run/task.ts": `import { launch } from "../engine/launch.js";\nexport const task = () => launch;\n`,
        "src/engine/launch.ts": `export const launch = 1;\n`,
        "src/schedule/a.ts": `import { b } from "./b.js";\nexport const a = () => b;\n`,
        "src/schedule/b.ts": `import { a } from "./a.js";\nexport const b = () => a;\n`,
      };
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      copyFileSync(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
      const rules = (await violations(dir)).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
      expect(rules).toEqual([
        "no-circular: src/schedule/a.ts -> src/schedule/b.ts",
        "run-imports-upward: src/run/task.ts -> src/engine/launch.ts",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
