import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Orchestrator, type RunRecord } from "../../src/index.js";
import { tempProject, waitFor } from "../helpers/project.js";

describe("the library API (seed 003's add_task, add_script, add_repeat, add_skip, execute_tasks)", () => {
  const project = tempProject({
    "echo.sh": `#!/usr/bin/env bash\necho "$ORCHESTRATE_TASK $*" >> "$(dirname "$0")/calls.txt"\n`,
    "orchestration.yaml": `tasks:\n  from-yaml:\n    command: "echo yaml"\n`,
  });
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((_req, res) => res.end("pong"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    project.cleanup();
  });

  it("runs tasks built in code, with scripts, repeats and an async skip predicate, until stop()", async () => {
    const orchestrator = new Orchestrator({ state: project.path("state.db") });
    orchestrator.loadConfig(project.path("orchestration.yaml"));
    const task = orchestrator.addTask("* * * * * *", "bash", { name: "coded", cwd: project.dir });
    task.addScript("echo.sh", { first: 1 }).addRepeat("echo.sh", [{ bucket: "a" }, { bucket: "b" }]);
    let fires = 0;
    task.addSkip(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return ++fires === 1;
    }, "the first fire");
    expect(orchestrator.tasks.map((t) => t.name)).toEqual(["from-yaml", "coded"]);

    const succeeded: RunRecord[] = [];
    const skipped: string[] = [];
    orchestrator.on("run.succeeded", (e) => succeeded.push(e.run));
    orchestrator.on("run.skipped", (e) => skipped.push(e.reason));
    const running = orchestrator.executeTasks();
    await waitFor(() => succeeded.length >= 1, { timeoutMs: 10_000, what: "a run of the coded task" });
    await orchestrator.stop();
    await running;

    expect(skipped[0]).toBe("the first fire");
    expect(succeeded[0]!.invocations.map((i) => i.params)).toEqual([[["first", "1"]], [["bucket", "a"]], [["bucket", "b"]]]);
    const calls = readFileSync(project.path("calls.txt"), "utf8").trim().split("\n");
    expect(calls.slice(0, 3)).toEqual(["coded --first 1", "coded --bucket a", "coded --bucket b"]);
  });

  it("schedule(url, delaySeconds) returns an id; getResults says pending, then gives the HTTP result", async () => {
    const orchestrator = new Orchestrator({ state: project.path("state.db") });
    const running = orchestrator.executeTasks();
    const id = await orchestrator.schedule(`${base}/ping`, 1);
    expect(await orchestrator.getResults(id)).toMatchObject({ id, status: "pending", trigger: "once" });
    await waitFor(async () => (await orchestrator.getResults(id))?.status === "succeeded", { what: "the one-off to run" });
    expect(await orchestrator.getResults(id)).toMatchObject({ http: { status: 200, body: "pong" }, attempts: 1 });
    await orchestrator.stop();
    await running;
    expect(await new Orchestrator({ state: project.path("state.db") }).getResults(999_999)).toBeNull();
  });

  it("refuses mistakes at once, in the words validate uses", () => {
    const orchestrator = new Orchestrator({ state: project.path("state.db") });
    expect(() => orchestrator.addTask("0 25 * * *", "bash")).toThrow(/hour/);
    expect(() => orchestrator.addTask("0 0 * * *", "perl" as never)).toThrow(/script type/);
    expect(() => orchestrator.addTask("0 0 * * *", "bash", { timezone: "Mars/Olympus" })).toThrow(/timezone/);
    expect(() => orchestrator.addTask("0 0 * * *", "bash", { cwd: project.dir }).addScript("missing.sh")).toThrow(/script not found/);
    expect(() => orchestrator.addTask("0 0 * * *", "bash", { cwd: project.dir, name: "t" }).addScript("echo.sh", { d: "{{ nope }}" })).toThrow(/unknown template name/);
  });
});

describe("examples/library.ts", () => {
  it("runs under node after the build and stops by itself", async () => {
    const copy = tempProject({ "examples/scripts/greet.sh": readFileSync("examples/scripts/greet.sh", "utf8") });
    const { execFile } = await import("node:child_process");
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(process.cwd(), "dist/examples/library.js")], { cwd: copy.dir, timeout: 30_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    copy.cleanup();
    expect(output).toMatch(/\[greetings#\d+\] hello, library/);
    expect(output).toMatch(/\[greetings#\d+\] succeeded: 3 invocations/);
    expect(output.trim().endsWith("stopped")).toBe(true);
  });
});
