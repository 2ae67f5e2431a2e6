/**
 * What `orchestrate run` tells its service manager and how it answers it: systemd's readiness,
 * reload, stop, status and watchdog (sd_notify), reloads on SIGHUP and on a changed file, and, as
 * PID 1 in a container, reaping orphaned processes. The daemon itself is the library's; this is
 * only the process around it.
 */
import { watch } from "node:fs";
import { basename, dirname } from "node:path";
import { ConfigError } from "../config/problems.js";
import type { OrchestratorCore } from "../orchestrator-core.js";
import { reapOrphansAsInit } from "../run/reaper.js";
import { serviceNotifier } from "../util/sd-notify.js";

/** A status line is refreshed at most this often: a busy daemon's runs must not flood systemd. */
const STATUS_EVERY_MS = 2_000;
/** Editors write a file in several steps (truncate, write, rename): one reload after they settle. */
const WATCH_SETTLE_MS = 300;

export interface ServiceOptions {
  /** The configuration file, to reload when it changes (`run --watch`). */
  watchFile?: string;
}

/** Hooks the daemon up to its service manager; returns a function that unhooks it at exit. */
export function serveAsDaemon(orchestrator: OrchestratorCore, options: ServiceOptions = {}): () => void {
  const bus = orchestrator.bus;
  const log = (level: "info" | "warn" | "error", message: string) => bus.emit("log", { level, message });
  const systemd = serviceNotifier(process.env, (message) => log("warn", message));
  const cleanups: Array<() => void> = [];
  let running = 0;

  const status = throttled(() => systemd.send(`STATUS=${statusLine(orchestrator, running)}`), STATUS_EVERY_MS);
  cleanups.push(
    bus.on("daemon.started", () => {
      systemd.send("READY=1", `STATUS=${statusLine(orchestrator, running)}`);
      if (systemd.watchdogEveryMs !== null) {
        const timer = setInterval(() => systemd.send("WATCHDOG=1"), systemd.watchdogEveryMs);
        cleanups.push(() => clearInterval(timer));
      }
    }),
    bus.on("daemon.stopping", (e) => systemd.send("STOPPING=1", `STATUS=stopping, ${e.running} run(s) finishing`)),
    bus.on("run.started", () => {
      running++;
      status();
    }),
    ...(["run.succeeded", "run.failed", "run.cancelled", "run.interrupted"] as const).map((name) =>
      bus.on(name, () => {
        running = Math.max(0, running - 1);
        status();
      }),
    ),
  );

  // Reloads one at a time; a signal during one asks for one more after it.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reload = (why: string) => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = (async () => {
      systemd.send("RELOADING=1", `MONOTONIC_USEC=${monotonicUsec()}`);
      try {
        const changes = await orchestrator.reload();
        const parts = Object.entries(changes)
          .filter(([, names]) => names.length > 0)
          .map(([what, names]) => `${what} ${names.join(", ")}`);
        log("info", `${why}: reloaded ${parts.length ? parts.join("; ") : "(nothing changed)"}`);
      } catch (error) {
        // The file is checked first: with any problem, nothing changes and the old tasks keep running.
        const problems = error instanceof ConfigError ? error.message.split("\n") : [(error as Error).message];
        log("error", `${why}: the configuration has ${problems.length} problem(s); still running the one loaded before`);
        for (const problem of problems) log("error", problem);
      } finally {
        systemd.send("READY=1", `STATUS=${statusLine(orchestrator, running)}`);
        reloading = null;
        if (again) {
          again = false;
          reload(why);
        }
      }
    })();
  };
  const onHangup = () => reload("SIGHUP");
  process.on("SIGHUP", onHangup);
  cleanups.push(() => process.off("SIGHUP", onHangup));

  if (options.watchFile) cleanups.push(watchFile(options.watchFile, () => reload(`${basename(options.watchFile!)} changed`)));
  cleanups.push(reapOrphansAsInit((message) => log("warn", message)));
  return () => cleanups.forEach((cleanup) => cleanup());
}

function statusLine(orchestrator: OrchestratorCore, running: number): string {
  const config = orchestrator.getConfig();
  const jobs = config.tasks.length + config.workflows.length;
  return `${jobs} task(s) and workflow(s), ${running} run(s) going`;
}

/** Watches the file's folder (editors replace files by rename), calling `changed` once things settle. */
function watchFile(file: string, changed: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  const watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(changed, WATCH_SETTLE_MS);
  });
  watcher.on("error", () => undefined);
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

/** Calls `fn` at once, then at most once per `everyMs` (the last call in a burst is never lost). */
function throttled(fn: () => void, everyMs: number): () => void {
  let last = 0;
  let pending: NodeJS.Timeout | null = null;
  return () => {
    const wait = last + everyMs - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
    } else if (!pending) {
      pending = setTimeout(() => {
        pending = null;
        last = Date.now();
        fn();
      }, wait);
      pending.unref();
    }
  };
}

/** CLOCK_MONOTONIC in µs, which systemd wants with RELOADING=1 (systemd 253+). */
function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n);
}
