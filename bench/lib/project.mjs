/** Where things are, throwaway project folders, and configuration files written the way people write them. */
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** BENCH_ORCHESTRATE points at another build (a patched copy) to compare it under the same load. */
export const ORCHESTRATE = process.env.BENCH_ORCHESTRATE ?? join(ROOT, "bin", "orchestrate");
export const PEERS = join(ROOT, "bench", "peers");
export const NODE = process.execPath;

/** `bin/orchestrate ARGS`, started through its own `#!/usr/bin/env node` line, as users start it. */
export function orchestrate(...args) {
  return [ORCHESTRATE, args];
}

export function peer(file, ...args) {
  return [NODE, [join(PEERS, file), ...args.map(String)]];
}

/** A fresh folder for `fn`, removed afterwards whatever happens. */
export async function withTempDir(name, fn) {
  const dir = mkdtempSync(join(tmpdir(), `orchestrate-bench-${name}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeScript(dir, name, body) {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * An orchestration.yaml in block style, as a person writes it. `tasks` maps a name to its fields;
 * values are strings, numbers, or lists of flat objects (scripts).
 */
export function writeConfig(dir, tasks, defaults = null) {
  const out = ["version: 1"];
  if (defaults) {
    out.push("defaults:");
    for (const [key, value] of Object.entries(defaults)) out.push(`  ${key}: ${scalar(value)}`);
  }
  out.push("tasks:");
  for (const [name, fields] of Object.entries(tasks)) {
    out.push(`  ${name}:`);
    for (const [key, value] of Object.entries(fields)) {
      if (Array.isArray(value)) {
        out.push(`    ${key}:`);
        for (const item of value) {
          const [first, ...rest] = Object.entries(item);
          out.push(`      - ${first[0]}: ${scalar(first[1])}`);
          for (const [k, v] of rest) out.push(`        ${k}: ${scalar(v)}`);
        }
      } else {
        out.push(`    ${key}: ${scalar(value)}`);
      }
    }
  }
  const path = join(dir, "orchestration.yaml");
  writeFileSync(path, out.join("\n") + "\n");
  return path;
}

function scalar(value) {
  return typeof value === "number" ? String(value) : JSON.stringify(String(value));
}

export function pad(n, width) {
  return String(n).padStart(width, "0");
}
