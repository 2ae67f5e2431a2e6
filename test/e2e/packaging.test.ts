/**
 * The package as a user gets it: `npm pack`, then `npm install -g` into an empty prefix, `npx`
 * (npm exec) from a folder that is not this repository, and an import of the library by its
 * package name — with the production dependencies only.
 *
 * better-sqlite3 is a native addon: its install script fetches a prebuilt binary and compiles
 * SQLite from source (minutes) when it cannot. This machine cannot reach GitHub, so the test
 * serves the binary this repository already built through better-sqlite3's documented mirror
 * setting (npm_config_better_sqlite3_binary_host_mirror), as a user behind a firewall would.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempProject } from "../helpers/project.js";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { name: string; version: string };

let work: ReturnType<typeof tempProject>;
let mirror: Server;
let env: NodeJS.ProcessEnv;
let tarball: string;

beforeAll(async () => {
  work = tempProject({});
  // The binary this checkout built, packed as prebuild-install expects it.
  const sqliteVersion = (JSON.parse(readFileSync(join(REPO, "node_modules/better-sqlite3/package.json"), "utf8")) as { version: string }).version;
  const name = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(join(work.dir, "mirror"));
  await run("tar", ["-czf", join(work.dir, "mirror", name), "-C", join(REPO, "node_modules/better-sqlite3"), "build/Release/better_sqlite3.node"]);
  const served = readFileSync(join(work.dir, "mirror", name));
  mirror = createServer((req, res) => {
    if (req.url?.endsWith(`/${name}`)) res.writeHead(200, { "content-type": "application/gzip" }).end(served);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => mirror.listen(0, "127.0.0.1", done));
  env = {
    ...process.env,
    npm_config_cache: join(work.dir, "npm-cache"),
    npm_config_better_sqlite3_binary_host_mirror: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`,
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    NO_COLOR: "1",
  };
  // --ignore-scripts: dist/ is built already (pretest); a rebuild would rewrite it under the other tests.
  const packed = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work.dir], { cwd: REPO, env });
  tarball = join(work.dir, packed.stdout.trim().split("\n").pop()!);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((done) => mirror?.close(() => done()));
  work?.cleanup();
});

describe(`the ${pkg.name} package`, () => {
  it("holds what it needs and nothing of the repository's own", async () => {
    const listing = (await run("tar", ["-tzf", tarball])).stdout.split("\n");
    expect(listing).toContain("package/bin/orchestrate");
    expect(listing).toContain("package/dist/index.js");
    expect(listing).toContain("package/python/orchestrate.py");
    expect(listing).toContain("package/schema/orchestration.schema.json");
    expect(listing.filter((f) => /^package\/(src|test|bench|node_modules|\.orchestrate)\//.test(f))).toEqual([]);
    expect(listing.filter((f) => f.endsWith(".db"))).toEqual([]);
  });

  it("installs globally into an empty prefix, without dev dependencies, and validates a config from anywhere", async () => {
    const prefix = join(work.dir, "prefix");
    await run("npm", ["install", "-g", "--prefix", prefix, tarball], { cwd: work.dir, env, timeout: 240_000 });
    const bin = join(prefix, "bin", "orchestrate");
    const installed = join(prefix, "lib", "node_modules", pkg.name);
    expect(existsSync(bin)).toBe(true);
    const modules = readdirSync(join(installed, "node_modules"));
    expect(modules).toContain("better-sqlite3");
    for (const dev of ["vitest", "typescript", "playwright-core", "dependency-cruiser"]) expect(modules).not.toContain(dev);

    const project = join(work.dir, "somewhere");
    mkdirSync(project);
    writeFileSync(join(project, "orchestration.yaml"), 'tasks:\n  hello:\n    cron: "*/5 * * * *"\n    command: echo hello\n');
    const version = await run(bin, ["--version"], { cwd: project, env });
    expect(version.stdout.trim()).toBe(pkg.version);
    const validate = await run(bin, ["validate"], { cwd: project, env });
    expect(validate.stdout).toMatch(/orchestration\.yaml: valid, 1 task/);
    // The store works: the native addon loaded.
    const trigger = await run(bin, ["trigger", "hello"], { cwd: project, env });
    expect(trigger.stdout).toContain("hello");
    expect((await run(bin, ["history", "--json"], { cwd: project, env })).stdout).toContain('"status": "succeeded"');
  }, 300_000);

  it("runs with npx (npm exec) from a folder that is not this repository, and imports as a library by its name", async () => {
    const project = join(work.dir, "library-user");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "library-user", private: true, type: "module" }));
    const npx = await run("npm", ["exec", "--yes", `--package=${tarball}`, "--", "orchestrate", "explain", "0 9 * * mon-fri"], { cwd: project, env, timeout: 240_000 });
    expect(npx.stdout).toMatch(/At 09:00, Monday through Friday/);

    await run("npm", ["install", tarball], { cwd: project, env, timeout: 240_000 });
    writeFileSync(
      join(project, "use.mjs"),
      `import { Orchestrator } from "${pkg.name}";\nconst o = new Orchestrator({ state: ":memory:" });\no.addTask("0 9 * * *", "bash").addScript("/bin/true");\nconsole.log(typeof o.executeTasks, typeof o.getResults);\n`,
    );
    expect((await run(process.execPath, ["use.mjs"], { cwd: project, env })).stdout.trim()).toBe("function function");
  }, 300_000);
});
