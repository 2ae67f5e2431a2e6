/**
 * systemd's notification protocol (sd_notify(3)): `READY=1`, `RELOADING=1`, `STOPPING=1`,
 * `STATUS=…`, `WATCHDOG=1` as datagrams to $NOTIFY_SOCKET. A no-op without systemd. Node has no
 * unix datagram sockets, and `systemd-notify` as a child process races its own exit (systemd may
 * not tell whose message it was), so the datagram is sent from this process, through libc.
 */
import { loadLibc } from "./libc.js";

export interface ServiceNotifier {
  /** Whether systemd listens (NOTIFY_SOCKET is set). */
  readonly enabled: boolean;
  /** Half of WATCHDOG_USEC (in ms): how often WATCHDOG=1 must be sent; null without a watchdog. */
  readonly watchdogEveryMs: number | null;
  send(...lines: string[]): void;
}

export function serviceNotifier(env: Record<string, string | undefined> = process.env, log?: (message: string) => void): ServiceNotifier {
  const socket = env.NOTIFY_SOCKET;
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID, when set, names the process the watchdog is for: only that one pings.
  const ours = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  const watchdogEveryMs = Number.isFinite(watchdogUsec) && watchdogUsec > 0 && ours ? Math.max(1, Math.floor(watchdogUsec / 2000)) : null;
  if (!socket) return { enabled: false, watchdogEveryMs: null, send() {} };
  let failed = false;
  return {
    enabled: true,
    watchdogEveryMs,
    send(...lines) {
      let error = 0;
      try {
        error = loadLibc().sendDatagram(socket, lines.join("\n"));
      } catch (cause) {
        if (!failed) log?.(`cannot tell systemd (${(cause as Error).message})`);
        failed = true;
        return;
      }
      if (error !== 0 && !failed) log?.(`cannot tell systemd: errno ${error} sending to ${socket}`);
      failed = error !== 0;
    },
  };
}
