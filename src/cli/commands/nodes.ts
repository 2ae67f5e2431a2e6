import type { Command } from "commander";
import type { NodeRecord } from "../../store/contract.js";
import { formatDuration } from "../../time/duration.js";
import { configPath, stateOverride, UserError } from "../context.js";
import { isoUtc, padTable } from "../format.js";

interface NodeLine extends NodeRecord {
  /** Its config file's hash differs from this one's (or, without a readable file here, from most live daemons'). */
  configDiffers: boolean;
}

/** `orchestrate nodes`: the daemons sharing a PostgreSQL store, alive or recently gone. */
export function registerNodes(program: Command): void {
  program
    .command("nodes [config]")
    .description("the daemons sharing this PostgreSQL store: host, pid, labels, heartbeat, config (cluster mode)")
    .option("--json", "print [{nodeId, host, pid, version, labels, configHash, configDiffers, role, startedAt, heartbeatAt, alive}]")
    .action(async (file: string | undefined, options: { json?: boolean }, command: Command) => {
      const [{ hashFile }, { openStore }] = await Promise.all([import("../../util/file-hash.js"), import("../../store/open.js")]);
      const path = configPath(command, file);
      let state = stateOverride(command);
      if (state === undefined) {
        const { loadConfigFile } = await import("../../config/load.js");
        state = loadConfigFile(path, { checkFiles: false }).state;
      }
      const store = openStore(state, { readOnly: true });
      try {
        if (!store.cluster) {
          throw new UserError("nodes: this state store is SQLite, which one daemon owns; several daemons share a postgres:// store (state: postgres://…)", 1);
        }
        const nodes = await store.cluster.nodes(Date.now());
        const mine = hashFile(path);
        const reference = mine !== "" ? mine : mostCommon(nodes.filter((n) => n.alive && n.role === "daemon").map((n) => n.configHash));
        const lines: NodeLine[] = nodes.map((n) => ({ ...n, configDiffers: n.role === "daemon" && reference !== "" && n.configHash !== "" && n.configHash !== reference }));
        process.stdout.write(options.json ? JSON.stringify(lines, null, 2) + "\n" : table(lines, Date.now(), mine !== ""));
      } finally {
        await store.close();
      }
    });
}

function table(nodes: NodeLine[], now: number, againstFile: boolean): string {
  if (nodes.length === 0) return "no node has joined this store yet\n";
  const rows = [["NODE", "STATE", "HOST", "PID", "ROLE", "LABELS", "STARTED", "HEARTBEAT", "CONFIG", "VERSION"]];
  for (const n of nodes) {
    rows.push([
      n.nodeId,
      n.alive ? "alive" : "gone",
      n.host,
      String(n.pid),
      n.role,
      n.labels.length ? n.labels.join(",") : "-",
      isoUtc(Date.parse(n.startedAt)),
      `${formatDuration(Math.max(0, now - Date.parse(n.heartbeatAt)))} ago`,
      n.configDiffers ? `${n.configHash} (differs)` : n.configHash || "-",
      n.version || "-",
    ]);
  }
  const live = nodes.filter((n) => n.alive && n.role === "daemon").length;
  const differ = nodes.filter((n) => n.alive && n.configDiffers).length;
  const against = againstFile ? "this config file" : "most live daemons";
  const footer = `${live} live daemon(s)` + (differ ? `; ${differ} run a config that differs from ${against}` : "");
  return `${padTable(rows)}\n\n${footer}\n`;
}

function mostCommon(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
}
