/**
 * Running as a service: reloads on SIGHUP and on a changed file, what systemd is told (sd_notify,
 * journald priorities), and orchestrate as PID 1 of a container.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, historyOf, linesOf, waitFor, scratchPerTest } from "../helpers/project.js";

const { project, daemon, defer } = scratchPerTest();
/** A per-second task that appends "NAME SLOT" to fires.txt. */
const tick = (name: string, cron = "* * * * * *") => `  ${name}:\n    cron: "${cron}"\n    command: 'echo "${name} $ORCHESTRATE_SCHEDULED_AT" >> fires.txt'\n`;

describe("a reload (SIGHUP)", () => {
  it("keeps an unchanged task's rhythm, stops a removed one, starts an added one, re-arms a changed one; an invalid file changes nothing", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n${tick("a")}${tick("b")}${tick("d", "*/2 * * * * *")}` });
    const fires = (name: string) => linesOf(p.path("fires.txt")).filter((l) => l.startsWith(`${name} `)).map((l) => Date.parse(l.split(" ")[1]!));
    const d = daemon(["run"], p.dir);
    await waitFor(() => fires("a").length >= 2 && fires("d").length >= 1, { what: "fires before the reload" });

    writeFileSync(p.path("orchestration.yaml"), `tasks:\n${tick("a")}${tick("c")}${tick("d", "*/3 * * * * *")}`);
    d.signal("SIGHUP");
    const [, summary] = await d.waitForOutput(/SIGHUP: reloaded (.*)\n/);
    expect(summary).toBe("added c; removed b; rescheduled d");
    const reloadedAt = Date.now();
    await waitFor(() => fires("c").length >= 2 && fires("d").filter((t) => t > reloadedAt).length >= 2, { what: "fires after the reload", timeoutMs: 15_000 });

    // An invalid file: logged, and nothing changes.
    writeFileSync(p.path("orchestration.yaml"), `tasks:\n  a:\n    cron: "99 * * * * *"\n    command: "true"\n`);
    d.signal("SIGHUP");
    await d.waitForOutput(/SIGHUP: the configuration has 1 problem\(s\); still running the one loaded before/);
    expect(d.output).toMatch(/ERROR .*orchestration\.yaml:3:11: tasks\.a\.cron: second field "99" is out of range 0-59/);
    const aBefore = fires("a").length;
    await waitFor(() => fires("a").length >= aBefore + 2 && fires("c").length >= 4, { what: "a and c still firing" });
    expect(await d.stop()).toBe(0);

    // a: every second, none lost or doubled across the reloads.
    const a = fires("a");
    for (let i = 1; i < a.length; i++) expect(a[i]! - a[i - 1]!).toBe(1_000);
    // b: nothing after the reload; c: nothing before it; d: its new rhythm after it.
    expect(fires("b").every((t) => t < reloadedAt)).toBe(true);
    expect(fires("c").every((t) => t > reloadedAt - 1_000)).toBe(true);
    const dAfter = fires("d").filter((t) => t > reloadedAt);
    expect(dAfter.filter((t) => new Date(t).getUTCSeconds() % 3 !== 0), linesOf(p.path("fires.txt")).join(", ")).toEqual([]);
    // Nothing ran twice for one slot.
    const slots = linesOf(p.path("fires.txt"));
    expect(new Set(slots).size).toBe(slots.length);
    // (The file is still invalid: history finds the store by --state.)
    expect((await historyOf(p.dir, ["--state", p.path(".orchestrate/state.db")])).filter((r) => r.status === "running")).toEqual([]);
  });

  it("run --watch reloads when the file changes", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n${tick("a")}` });
    const d = daemon(["run", "--watch"], p.dir);
    await d.waitForOutput(/orchestrate is running 1 task/);
    writeFileSync(p.path("orchestration.yaml"), `tasks:\n${tick("a")}${tick("c")}`);
    await d.waitForOutput(/orchestration\.yaml changed: reloaded added c/);
    await waitFor(() => linesOf(p.path("fires.txt")).some((l) => l.startsWith("c ")), { what: "c to fire" });
    expect(await d.stop()).toBe(0);
  });
});

/** A python process that binds a datagram socket and prints what it receives, one message a line. */
function notifyListener(address: string): { messages: () => string[]; child: ChildProcess } {
  const child = spawn("python3", [
    "-c",
    `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a = sys.argv[1]
s.bind("\\0" + a[1:] if a.startswith("@") else a)
print("listening", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", " | "), flush=True)`,
    address,
  ]);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  defer(() => child.kill());
  return { child, messages: () => out.split("\n").filter((l) => l && l !== "listening") };
}

describe("systemd's notification socket", () => {
  it.each([
    ["an abstract socket", () => `@orchestrate-test-${process.pid}-${Date.now()}`],
    ["a path socket", () => `/tmp/orchestrate-notify-${process.pid}-${Date.now()}.sock`],
  ])("gets READY=1, WATCHDOG=1 every half WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP, and STOPPING=1 (%s)", async (_kind, name) => {
    const address = name();
    const listener = notifyListener(address);
    await waitFor(() => listener.child.stdout!.readableLength > 0 || listener.messages().length >= 0, { what: "the listener" });
    await new Promise<void>((resolve) => listener.child.stdout!.once("data", () => resolve()));
    const p = project({ "orchestration.yaml": `tasks:\n  idle: { command: "true" }\n` });
    const d = daemon(["run"], p.dir, { NOTIFY_SOCKET: address, WATCHDOG_USEC: "600000" });
    await waitFor(() => listener.messages().some((m) => m.startsWith("READY=1")), { what: "READY=1" });
    const readyAt = Date.now();
    await waitFor(() => listener.messages().filter((m) => m === "WATCHDOG=1").length >= 4, { what: "four watchdog pings" });
    // Every 300 ms (half of 600 ms): four take about 1.2 s, surely less than two watchdog periods.
    expect(Date.now() - readyAt).toBeLessThan(2_400);
    d.signal("SIGHUP");
    await waitFor(() => listener.messages().some((m) => m.startsWith("RELOADING=1")), { what: "RELOADING=1" });
    await waitFor(() => listener.messages().filter((m) => m.startsWith("READY=1")).length >= 2, { what: "READY=1 after the reload" });
    expect(await d.stop()).toBe(0);
    await waitFor(() => listener.messages().some((m) => m.startsWith("STOPPING=1")), { what: "STOPPING=1" });
    expect(listener.messages()[0]).toMatch(/^READY=1 \| STATUS=1 task\(s\) and workflow\(s\), 0 run\(s\) going$/);
    if (existsSync(address)) spawnSync("rm", ["-f", address]);
  });

  it("without NOTIFY_SOCKET, nothing is sent and nothing fails", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n  idle: { command: "true" }\n` });
    const d = daemon(["run"], p.dir, { NOTIFY_SOCKET: "" });
    await d.waitForOutput(/orchestrate is running/);
    expect(await d.stop()).toBe(0);
    expect(d.output).not.toMatch(/systemd/);
  });
});

describe("journald", () => {
  it("when stdout is the journal's stream (JOURNAL_STREAM), each line starts with its syslog priority, without colour", async () => {
    const p = project({ "orchestration.yaml": `tasks:\n  bad:\n    delay: 0s\n    command: "exit 3"\n` });
    // The way systemd sets it: the device and inode of the stream it connected to stdout.
    const child = spawn("bash", ["-c", `JOURNAL_STREAM=$(stat -L -c '%d:%i' /proc/$$/fd/1) exec "${process.execPath}" "${BIN}" run`], {
      cwd: p.dir,
      env: { ...process.env, FORCE_COLOR: "1" },
    });
    defer(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => /failed/.test(out), { what: "the run to fail" });
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("exit", resolve));
    const lines = out.trim().split("\n");
    expect(lines.every((l) => /^<[3467]>/.test(l))).toBe(true);
    expect(lines.find((l) => / failed /.test(l))).toMatch(/^<3>/);
    expect(lines.find((l) => /orchestrate is running/.test(l))).toMatch(/^<6>/);
    expect(out).not.toMatch(/\u001b\[/);
  });
});

const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

describe.skipIf(!canUnshare)("as PID 1 of a container (a new PID namespace; needs root)", () => {
  it("reaps the orphans of double-forking scripts, and stops cleanly on SIGTERM", async () => {
    const p = project({
      "orchestration.yaml": `
tasks:
  orphans:
    cron: "* * * * * *"
    command: "(sleep 0.2 &) ; (sleep 0.3 &)"
  count:
    every: 2s
    command: 'z=0; for s in /proc/[0-9]*/stat; do read -r line < "$s" 2>/dev/null || continue; set -- \${line##*) }; [ "$1" = Z ] && z=$((z+1)); done; echo "$z" >> zombies.txt'
`,
    });
    const child = spawn("unshare", ["--pid", "--fork", "--mount-proc", "--kill-child", process.execPath, BIN, "run"], { cwd: p.dir, env: { ...process.env, NO_COLOR: "1" } });
    // --kill-child: killing unshare (cleanup after a failure) kills the namespace's PID 1, and with it all inside.
    defer(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => linesOf(p.path("zombies.txt")).length >= 4, { what: "four zombie counts", timeoutMs: 20_000 });
    // Orphans come every second and end within a third of one: without reaping they would pile up.
    expect(linesOf(p.path("zombies.txt")).slice(2).map(Number).every((n) => n <= 2)).toBe(true);
    expect(out).toMatch(/orchestrate is running/);
    // SIGTERM to the namespace's PID 1 (unshare does not pass signals on): find it by its parent.
    const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]);
    process.kill(init, "SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/stopped/);
  });
});
