/**
 * The examples the README points to: each validates as shipped, and the script ones do what they
 * say when triggered. They run in a temporary copy, so nothing is written into the repository.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { historyOf, runCli } from "../helpers/project.js";

const EXAMPLES = resolve(import.meta.dirname, "../../examples");
const scratch = mkdtempSync(join(tmpdir(), "orchestrate-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const names = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES, entry.name, "orchestration.yaml")))
  .map((entry) => entry.name);

/** A fresh copy of examples/NAME; runs write their state and outputs there. */
function copyOf(name: string): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(EXAMPLES, name), dir, { recursive: true });
  return dir;
}

/** `yyyy-MM-dd` of an instant in a timezone (sv-SE writes dates that way). */
function dayIn(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat("sv-SE", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
}

describe("the examples in examples/", () => {
  it("are the four the README promises", () => {
    expect(names).toEqual(expect.arrayContaining(["backup", "etl", "health", "reports"]));
  });

  it.each(names)("examples/%s/orchestration.yaml validates", async (name) => {
    const state = join(scratch, `validate-${name}.db`); // validate must not leave a store in the repository
    const result = await runCli(["validate", `examples/${name}/orchestration.yaml`, "--state", state], { cwd: resolve(EXAMPLES, "..") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/valid/);
    expect(existsSync(join(EXAMPLES, name, ".orchestrate"))).toBe(false);
  });
});

describe("examples/backup", () => {
  it("backup archives ./data into ./archive, named by the scheduled date", async () => {
    const dir = copyOf("backup");
    const result = await runCli(["trigger", "-c", join(dir, "orchestration.yaml"), "backup"], { cwd: scratch });
    expect(result.code, result.stderr).toBe(0);

    const [run] = await historyOf(dir, ["backup"]);
    const archive = `data-${dayIn(run!.scheduledAt!)}.tar.gz`;
    expect(readdirSync(join(dir, "archive"))).toEqual([archive]);
    expect(run).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(run!.output).toContain(`archived data into archive/${archive}`);

    const listing = execFileSync("tar", ["-tzf", join(dir, "archive", archive)], { encoding: "utf8" });
    expect(listing.split("\n").filter(Boolean).sort()).toEqual(["data/", "data/notes.txt", "data/settings.ini"]);
  });

  it("cleanup keeps the 7 newest archives and touches nothing else", async () => {
    const dir = copyOf("backup");
    const archive = join(dir, "archive");
    cpSync(join(dir, "data"), archive, { recursive: true }); // files that are not archives must survive
    const dated = Array.from({ length: 10 }, (_, i) => `data-2026-01-${String(i + 1).padStart(2, "0")}.tar.gz`);
    for (const name of dated) writeFileSync(join(archive, name), "old archive");

    const result = await runCli(["trigger", "-c", join(dir, "orchestration.yaml"), "cleanup"], { cwd: scratch });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(archive).sort()).toEqual([...dated.slice(3), "notes.txt", "settings.ini"].sort());
  });
});

describe("examples/reports", () => {
  it("daily-sales writes the day's summary, then one report per region that regions.py lists", async () => {
    const dir = copyOf("reports");
    const result = await runCli(["trigger", "-c", join(dir, "orchestration.yaml"), "daily-sales"], { cwd: scratch });
    expect(result.code, result.stderr).toBe(0);

    const [run] = await historyOf(dir, ["daily-sales"]);
    expect(run).toMatchObject({ status: "succeeded" });
    const day = dayIn(run!.scheduledAt!, "Europe/Berlin"); // the task's timezone decides the date
    const summary = readFileSync(join(dir, "out", `sales-${day}.txt`), "utf8");
    expect(summary).toMatch(new RegExp(`^Sales report for ${day}\n`));
    expect(summary).toMatch(/^eu\s+1510\.50$/m);
    expect(summary).toMatch(/^total\s+4790\.65$/m);

    expect(run!.invocations.map((i) => i.target)).toEqual(["scripts/report.py", ...Array(3).fill("scripts/region_report.py")]);
    expect(run!.invocations.slice(1).map((i) => i.params)).toEqual(
      ["apac", "eu", "us"].map((region) => [["region", region], ["data", "data/sales.csv"], ["out", "out/regions"]]),
    );
    expect(readdirSync(join(dir, "out", "regions")).sort()).toEqual(["apac.txt", "eu.txt", "us.txt"]);
    expect(readFileSync(join(dir, "out", "regions", "eu.txt"), "utf8")).toBe(
      `Region eu, scheduled ${run!.scheduledAt}\nwidgets          1200.50\ngadgets           310.00\n`,
    );
  });
});

describe("examples/etl", () => {
  it("loads the cleaned orders into ./warehouse, each step passing its values to the next", async () => {
    const dir = copyOf("etl");
    const result = await runCli(["trigger", "-c", join(dir, "orchestration.yaml"), "etl"], { cwd: scratch });
    expect(result.code, result.stderr).toBe(0);
    const [run] = await historyOf(dir, ["etl"]);
    const day = dayIn(run!.scheduledAt!);
    expect(readFileSync(join(dir, "warehouse", `orders-${day}.csv`), "utf8")).toBe("id,amount\n1,10\n3,30\n");
    expect(run!.steps.map((s) => [s.name, s.status])).toEqual([
      ["extract", "succeeded"],
      ["clean", "succeeded"],
      ["enrich", "succeeded"],
      ["load", "succeeded"],
    ]);
    expect(run!.steps.find((s) => s.name === "load")!.output).toBe("loaded 2 rows (eu)");
  });

  it("with FAIL_LOAD=1 retries the load, then rolls back the extract", async () => {
    const dir = copyOf("etl");
    const result = await runCli(["trigger", "-c", join(dir, "orchestration.yaml"), "etl"], { cwd: scratch, env: { FAIL_LOAD: "1" } });
    expect(result.code).toBe(1);
    const [run] = await historyOf(dir, ["etl"]);
    expect(run!.status).toBe("failed");
    expect(run!.steps.find((s) => s.name === "load")).toMatchObject({ status: "failed", attempts: 3 });
    expect(run!.steps.find((s) => s.name === "extract")!.rollback).toMatchObject({ status: "succeeded" });
    expect(existsSync(join(dir, "staging", "orders.csv"))).toBe(false);
  });
});
