/**
 * Reads a `node --cpu-prof` profile and prints where the time went: the functions with the most
 * self time, and the most inclusive time, with their files. For finding why a target is missed:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/orchestrate run ...   then
 *   node bench/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25] [--filter dist/]
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return value;
};
const top = Number(option("--top", 25));
const filter = option("--filter", null);

for (const file of args) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000));
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);

  const key = (n) => {
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "")}:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"} ${where}`.trim();
  };
  const selfByKey = new Map();
  const inclusiveByKey = new Map();
  for (const [id, ms] of self) {
    const n = byId.get(id);
    selfByKey.set(key(n), (selfByKey.get(key(n)) ?? 0) + ms);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusiveByKey.set(k, (inclusiveByKey.get(k) ?? 0) + ms);
    }
  }
  const print = (title, map) => {
    console.log(`\n${title}`);
    const entries = [...map].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, ms] of entries) console.log(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)} %  ${k}`);
  };
  console.log(`${file}: ${totalMs.toFixed(0)} ms sampled`);
  print("self time", selfByKey);
  print("inclusive time", inclusiveByKey);
}
