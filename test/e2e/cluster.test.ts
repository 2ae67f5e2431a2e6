/**
 * Cluster mode end to end: several real `orchestrate run` daemons sharing one PostgreSQL schema.
 * What the scripts did (each appends "task slot node attempt" to one file) is checked against
 * what the store says; every fire must have run exactly once, on some node.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/types.js";
import { Daemon, linesOf, runCli, tempProject, waitFor } from "../helpers/project.js";
import { dropSchema, freshSchema, pgAvailable, PG_URL } from "../helpers/postgres.js";

const available = await pgAvailable();

interface Line {
  task: string;
  slot: string;
  node: string;
  attempt: number;
  phase: string;
}

const LOG_LINE = `echo "$ORCHESTRATE_TASK $ORCHESTRATE_SCHEDULED_AT $NODE $ORCHESTRATE_ATTEMPT`;

function linesIn(file: string): Line[] {
  return linesOf(file).map((line) => {
    const [task, slot, node, attempt, phase] = line.split(" ");
    return { task: task!, slot: slot!, node: node!, attempt: Number(attempt), phase: phase ?? "" };
  });
}

async function runsIn(dir: string, state: string): Promise<RunRecord[]> {
  const result = await runCli(["history", "--json", "--limit", "100000", "--state", state], { cwd: dir, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`history failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as RunRecord[]).reverse();
}

function startNodes(dir: string, names: string[], extra: string[] = []): Daemon[] {
  return names.map((name) => new Daemon(["run", ...extra], { cwd: dir, env: { NODE: name } }));
}

describe.runIf(available)("cluster mode on PostgreSQL", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let daemons: Daemon[] = [];
  afterEach(async () => {
    for (const d of daemons) d.kill();
    await Promise.all(daemons.map((d) => d.exited));
    daemons = [];
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  function project(yaml: (state: string) => string, lease = "3s") {
    const { schema, url } = freshSchema("e2e");
    const state = `${url}&lease=${lease}`;
    const p = tempProject({ "orchestration.yaml": yaml(state) });
    cleanups.push(() => p.cleanup(), () => dropSchema(schema));
    return { ...p, state };
  }

  it("three daemons, 24 per-second tasks for 60 s: every (task, second) ran exactly once, and each node ran a share", async () => {
    const tasks = Array.from({ length: 24 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    const p = project(
      (state) => `state: ${JSON.stringify(state)}
tasks:
${tasks.map((t, i) => `  ${t}:\n    cron: "* * * * * *"\n    concurrency: ${i < 10 ? "forbid" : "allow"}\n    command: ${LOG_LINE}" >> ran.txt`).join("\n")}
`,
    );
    daemons = startNodes(p.dir, ["n1", "n2", "n3"]);
    await Promise.all(daemons.map((d) => d.waitForOutput(/orchestrate is running/, 60_000)));
    const from = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const until = from + 60_000;
    await waitFor(() => linesIn(p.path("ran.txt")).some((l) => Date.parse(l.slot) >= until + 1000), { timeoutMs: 120_000, intervalMs: 500, what: "60 s of fires" });
    await Promise.all(daemons.map((d) => d.stop(60_000)));

    const lines = linesIn(p.path("ran.txt"));
    // No (task, second) ran twice, anywhere in the run.
    const seen = new Map<string, number>();
    for (const l of lines) seen.set(`${l.task} ${l.slot}`, (seen.get(`${l.task} ${l.slot}`) ?? 0) + 1);
    expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
    // Every (task, second) of the 60 s window ran, or (t00–t09 are forbid) is recorded skipped
    // because that task's previous run still held the lane on a slow machine: none lost.
    const allRuns = await runsIn(p.dir, p.state);
    const runs = allRuns.filter((r) => r.scheduledAt && Date.parse(r.scheduledAt) >= from && Date.parse(r.scheduledAt) < until);
    // A node records the forbid skips it makes in a row as one record ("…; N fires in a row, from
    // A to B"); slots between A and B may have run on another node.
    const skippedUpTo = new Map<string, number>();
    const covered = (task: string, slotMs: number) =>
      allRuns.some((r) => r.task === task && r.status === "skipped" && Date.parse(r.scheduledAt!) <= slotMs && slotMs <= (skippedUpTo.get(`${r.id}`) ?? Date.parse(r.scheduledAt!)));
    for (const r of allRuns.filter((x) => x.status === "skipped")) {
      const to = / to (\S+)$/.exec(r.reason ?? "")?.[1];
      if (to) skippedUpTo.set(`${r.id}`, Date.parse(to));
      expect(r.task < "t10", `${r.task} is allow: nothing to skip`).toBe(true);
      // The lane is held by another node's run, or by its fire just before it became a run.
      expect(r.reason).toMatch(/still running|still judging/);
      // The slot a skip record starts at is that node's decision: it did not also run.
      expect(seen.has(`${r.task} ${r.scheduledAt}`), `${r.task} ${r.scheduledAt} ran and was skipped`).toBe(false);
    }
    const missing: string[] = [];
    for (const task of tasks) {
      for (let slot = from; slot < until; slot += 1000) {
        if (!seen.has(`${task} ${new Date(slot).toISOString()}`) && !covered(task, slot)) missing.push(`${task} ${new Date(slot).toISOString()}`);
      }
    }
    expect(missing.slice(0, 20)).toEqual([]);
    // The store agrees with the scripts: a succeeded record for every run, and nothing else but skips.
    expect(runs.filter((r) => r.status !== "succeeded" && r.status !== "skipped")).toEqual([]);
    expect(runs.filter((r) => r.status === "succeeded").length).toBe(lines.filter((l) => Date.parse(l.slot) >= from && Date.parse(l.slot) < until).length);
    // Each node ran a share: with three, none ran fewer than a sixth of the window's fires.
    const window = lines.filter((l) => Date.parse(l.slot) >= from && Date.parse(l.slot) < until);
    const share = (node: string) => window.filter((l) => l.node === node).length;
    for (const node of ["n1", "n2", "n3"]) expect(share(node), `${node}'s share`).toBeGreaterThan(window.length / 6);

    // Every record landed: none refused (a run id two nodes both used would be).
    for (const d of daemons) expect(d.output).not.toMatch(/dropped a write|unexpected error/);

    const nodes = await runCli(["nodes", "--json", "--state", p.state], { cwd: p.dir });
    expect(nodes.code, nodes.stderr).toBe(0);
    const listed = JSON.parse(nodes.stdout) as Array<{ alive: boolean; role: string; configDiffers: boolean }>;
    expect(listed.filter((n) => n.role === "daemon")).toHaveLength(3);
    expect(listed.every((n) => !n.alive && !n.configDiffers)).toBe(true);
  }, 180_000);

  it("SIGKILL of one of three daemons mid-run: its run is interrupted within the lease and retried elsewhere; later fires still run once", async () => {
    const p = project(
      (state) => `state: ${JSON.stringify(state)}
tasks:
  long:
    cron: "* * * * * *"
    concurrency: allow
    retries: 1
    retry_delay: 1s
    command: ${LOG_LINE} start" >> ran.txt; sleep 4; ${LOG_LINE} end" >> ran.txt
  tick:
    cron: "* * * * * *"
    concurrency: allow
    command: ${LOG_LINE}" >> ticks.txt
`,
    );
    daemons = startNodes(p.dir, ["n1", "n2", "n3"]);
    await Promise.all(daemons.map((d) => d.waitForOutput(/orchestrate is running/, 60_000)));
    // Wait until n1 runs a `long` (started, not ended), then kill n1 outright.
    let victim: Line | undefined;
    await waitFor(
      () => {
        const lines = linesIn(p.path("ran.txt"));
        victim = lines.find((l) => l.node === "n1" && l.phase === "start" && !lines.some((e) => e.phase === "end" && e.slot === l.slot && e.attempt === l.attempt));
        return victim !== undefined;
      },
      { timeoutMs: 30_000, what: "n1 to be running a `long`" },
    );
    const killedAt = Date.now();
    daemons[0]!.kill();
    await daemons[0]!.exited;

    // Within the lease (3 s) plus a heartbeat, a live node marks it interrupted and runs the fire again.
    await waitFor(() => linesIn(p.path("ran.txt")).some((l) => l.slot === victim!.slot && l.node !== "n1" && l.phase === "start"), {
      timeoutMs: 20_000,
      what: `the fire of ${victim!.slot} to run again on n2 or n3`,
    });
    const retriedAfterMs = Date.now() - killedAt;
    expect(retriedAfterMs).toBeLessThan(12_000);
    const afterKill = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await waitFor(() => linesIn(p.path("ticks.txt")).some((l) => Date.parse(l.slot) >= afterKill + 5000), { timeoutMs: 30_000, what: "5 s of ticks after the kill" });
    await Promise.all(daemons.slice(1).map((d) => d.stop(30_000)));

    const runs = await runsIn(p.dir, p.state);
    const ofSlot = runs.filter((r) => r.task === "long" && r.scheduledAt === victim!.slot);
    expect(ofSlot.map((r) => r.status)).toContain("interrupted");
    expect(ofSlot.find((r) => r.status === "interrupted")!.error ?? ofSlot.find((r) => r.status === "interrupted")!.reason).toMatch(/heartbeat/);
    expect(ofSlot.some((r) => r.status === "succeeded")).toBe(true);
    expect(runs.filter((r) => r.status === "running").map((r) => `${r.id} ${r.task} ${r.scheduledAt}`)).toEqual([]);
    // After the kill, every tick second ran exactly once (on the survivors: n1 is gone).
    const ticks = linesIn(p.path("ticks.txt")).filter((l) => Date.parse(l.slot) >= afterKill && Date.parse(l.slot) < afterKill + 5000);
    expect(ticks.map((l) => l.slot)).toEqual(Array.from({ length: 5 }, (_, i) => new Date(afterKill + i * 1000).toISOString()));
  }, 120_000);

  it("orchestrate schedule and POST /v1/runs against the cluster: each one-off runs once, on one node", async () => {
    const p = project(
      (state) => `state: ${JSON.stringify(state)}
tasks:
  idle:
    cron: "0 0 1 1 *"
    command: "true"
`,
    );
    const script = p.path("once.sh");
    (await import("node:fs")).writeFileSync(script, `#!/usr/bin/env bash\necho "$ORCHESTRATE_RUN_ID $NODE" >> once.txt\n`, { mode: 0o755 });
    // n1 also serves the API: one-offs posted to it are the cluster's, like those of `schedule`.
    const port = await freePort();
    daemons = [new Daemon(["run", "--api", `127.0.0.1:${port}`], { cwd: p.dir, env: { NODE: "n1" } }), ...startNodes(p.dir, ["n2", "n3"])];
    await Promise.all(daemons.map((d) => d.waitForOutput(/orchestrate is running/, 60_000)));
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await runCli(["schedule", "--script", script, "--delay", "1", "--json"], { cwd: p.dir });
      expect(result.code, result.stderr).toBe(0);
      ids.push((JSON.parse(result.stdout) as { id: number }).id);
      const posted = await fetch(`http://127.0.0.1:${port}/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ script, delay: 1 }),
      });
      expect(posted.status, await posted.clone().text()).toBeLessThan(300);
      ids.push(((await posted.json()) as { id: number }).id);
    }
    await waitFor(() => linesOf(p.path("once.txt")).length >= ids.length, { timeoutMs: 30_000, what: "every one-off to run" });
    // A moment for a second node to (wrongly) run one too: wait until each is recorded as finished.
    await waitFor(async () => (await runsIn(p.dir, p.state)).filter((r) => ids.includes(r.id) && r.status === "succeeded").length === ids.length, {
      timeoutMs: 30_000,
      what: "every one-off recorded",
    });
    await Promise.all(daemons.map((d) => d.stop(30_000)));
    const ran = linesOf(p.path("once.txt")).map((l) => Number(l.split(" ")[0]));
    expect(ran.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  }, 120_000);

  it("PostgreSQL unreachable for 6 s while three daemons run: nothing doubled, the missed fires follow catch_up", async () => {
    const proxy = await tcpProxy(new URL(PG_URL));
    cleanups.push(() => proxy.close());
    const p = project((state) => {
      const url = new URL(state);
      url.host = `127.0.0.1:${proxy.port}`;
      return `state: ${JSON.stringify(url.toString())}
tasks:
  latest:
    cron: "* * * * * *"
    catch_up: latest
    concurrency: allow
    command: ${LOG_LINE}" >> ran.txt
  none:
    cron: "* * * * * *"
    catch_up: none
    concurrency: allow
    command: ${LOG_LINE}" >> ran.txt
`;
    });
    daemons = startNodes(p.dir, ["n1", "n2", "n3"]);
    await Promise.all(daemons.map((d) => d.waitForOutput(/orchestrate is running/, 60_000)));
    await waitFor(() => linesIn(p.path("ran.txt")).length >= 6, { timeoutMs: 20_000, what: "a few fires before the outage" });
    proxy.cut();
    const cutAt = Date.now();
    await waitFor(() => daemons.every((d) => /does not answer/.test(d.output)), { timeoutMs: 20_000, what: "each daemon to notice the store is gone" });
    await waitFor(() => Date.now() - cutAt >= 6000, { intervalMs: 100, what: "six seconds of outage" });
    proxy.restore();
    const back = Date.now();
    await waitFor(() => linesIn(p.path("ran.txt")).some((l) => Date.parse(l.slot) >= back + 4000), { timeoutMs: 60_000, what: "fires after the store came back" });
    await Promise.all(daemons.map((d) => d.stop(30_000)));

    const lines = linesIn(p.path("ran.txt"));
    const keys = lines.map((l) => `${l.task} ${l.slot}`);
    expect(keys.length - new Set(keys).size).toBe(0);
    const all = await runsIn(p.dir, p.state);
    // `none`: the outage's fires are recorded missed, each slot once (a node that came back first
    // takes every slot it knows of; a slot another node still ran late is not counted), none run.
    const missed = all.filter((r) => r.task === "none" && r.status === "missed");
    expect(missed.length).toBeGreaterThanOrEqual(1);
    const ran = new Set(lines.filter((l) => l.task === "none").map((l) => Date.parse(l.slot)));
    const counted = new Map<number, number>();
    for (const r of missed) {
      const [, count, from, to] = /^(\d+) fire\(s\) from (\S+) to (\S+) /.exec(r.reason ?? "")!;
      expect((Date.parse(to!) - Date.parse(from!)) / 1000 + 1).toBe(Number(count));
      for (let slot = Date.parse(from!); slot <= Date.parse(to!); slot += 1000) counted.set(slot, (counted.get(slot) ?? 0) + 1);
    }
    expect([...counted.values()].every((n) => n === 1)).toBe(true);
    expect([...counted.keys()].filter((slot) => ran.has(slot))).toEqual([]);
    // Every second from before the outage to after it ran once or is counted missed once.
    const slots = [...ran, ...counted.keys()].sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!, new Date(slots[i]!).toISOString()).toBe(1000);
    expect(all.filter((r) => r.task === "none" && r.trigger === "catch_up")).toEqual([]);
    // `latest`: the outage's fires become one catch_up run (per node that came back with some).
    const catchUps = all.filter((r) => r.task === "latest" && r.trigger === "catch_up");
    expect(catchUps.length).toBeGreaterThanOrEqual(1);
    expect(catchUps.length).toBeLessThanOrEqual(3);
    expect(catchUps.filter((r) => r.status !== "succeeded").map((r) => `${r.status} ${r.reason ?? r.error}`)).toEqual([]);
    expect(all.filter((r) => r.task === "latest" && r.status === "missed")).toEqual([]);
    // Each daemon said so once, not at every fire.
    for (const d of daemons) expect(d.output.match(/does not answer/g)!.length).toBeLessThanOrEqual(2);
  }, 120_000);
});

/** A port nothing listens on now: the OS picks it, we let it go and give it to the daemon. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
async function tcpProxy(target: URL): Promise<{ port: number; cut: () => void; restore: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
  const port = await listen(0);
  return {
    port,
    cut: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
    restore: () => void listen(port),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
