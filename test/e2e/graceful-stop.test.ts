import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { alive, Daemon, tempProject, waitFor } from "../helpers/project.js";

function project() {
  return tempProject({
    "orchestration.yaml": `
tasks:
  long:
    cron: "* * * * * *"
    scripts:
      - path: long.sh
`,
    "long.sh": `#!/usr/bin/env bash
[ -f started ] && exit 0
echo $$ > started
sleep 999 &
echo $! > child.pid
sleep 3
echo finished > finished
kill $!
`,
  });
}

describe("stopping the daemon while a script runs", () => {
  let daemon: Daemon | null = null;
  let p: ReturnType<typeof project> | null = null;
  afterEach(() => {
    daemon?.kill();
    p?.cleanup();
  });

  it("waits for the running script to finish, then exits 0", async () => {
    p = project();
    daemon = new Daemon(["run"], { cwd: p.dir });
    await waitFor(() => existsSync(p!.path("child.pid")), { what: "the long script to start" });
    daemon.signal("SIGTERM");
    expect(await daemon.stop(20_000)).toBe(0);
    expect(existsSync(p.path("finished"))).toBe(true);
  });

  it("with --grace 1s kills the script's whole process group and exits 0", async () => {
    p = project();
    daemon = new Daemon(["run", "--grace", "1s"], { cwd: p.dir });
    await waitFor(() => existsSync(p!.path("child.pid")), { what: "the long script to start" });
    const child = Number(readFileSync(p.path("child.pid"), "utf8"));
    daemon.signal("SIGTERM");
    expect(await daemon.stop(20_000)).toBe(0);
    expect(existsSync(p.path("finished"))).toBe(false);
    await waitFor(() => !alive(child), { timeoutMs: 5_000, what: "the background child to be killed" });
    expect(daemon.output).toMatch(/interrupted/);
  });
});
