/**
 * `orchestrate import crontab` on real crontabs: the machine's /etc/crontab and /etc/cron.d files,
 * the Debian files kept as fixtures, and a crontab with every corner of crontab(5). Each output
 * must pass `validate`, and `next` must give, task for task, the fires cron would make — computed
 * here by a small matcher written from crontab(5) (Vixie cron's rules), not by orchestrate's code.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { BIN, runCli, tempProject, scratchPerTest } from "../helpers/project.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/crontab");
const FROM = "2026-03-01T00:00:00Z";
const FIRES = 6;

const { defer } = scratchPerTest();
// ---- cron's side: crontab(5) read independently -------------------------------------------------

interface CronLine {
  line: number;
  fields: string[] | "@reboot";
  zone: string;
}

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

/** The job lines of a crontab with the zone each runs in (CRON_TZ/TZ lines before it; else UTC, the test's TZ). */
function cronLines(text: string): CronLine[] {
  const lines: CronLine[] = [];
  let zone = "UTC";
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const env = /^(?:"([^"]*)"|'([^']*)'|([^\s="']+))\s*=\s*(.*)$/.exec(line);
    if (env) {
      const name = env[1] ?? env[2] ?? env[3];
      if (name === "CRON_TZ" || name === "TZ") zone = env[4]!.replace(/^(["'])(.*)\1$/, "$2");
      return;
    }
    const words = line.split(/\s+/);
    if (words[0] === "@reboot") lines.push({ line: i + 1, fields: "@reboot", zone });
    else lines.push({ line: i + 1, fields: (NICKNAMES[words[0]!] ?? words.slice(0, 5).join(" ")).split(" "), zone });
  });
  return lines;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const RANGES: Array<[number, number, string[], number]> = [
  [0, 59, [], 0],
  [0, 23, [], 0],
  [1, 31, [], 0],
  [1, 12, MONTHS, 1],
  [0, 7, DAYS, 0],
];

/** The values a field allows, as a set (crontab(5): lists of *, n, a-b, with /step; names for months and days). */
function allowed(field: string, index: number): Set<number> {
  const [min, max, names, base] = RANGES[index]!;
  const num = (text: string) => (names.includes(text.toLowerCase()) ? names.indexOf(text.toLowerCase()) + base : Number(text));
  const values = new Set<number>();
  for (const item of field.split(",")) {
    const [range, step = "1"] = item.split("/");
    const [from, to] = range === "*" ? [min, max] : range!.includes("-") ? range!.split("-").map(num) : [num(range!), num(range!)];
    for (let v = from!; v <= to!; v += Number(step)) values.add(v);
  }
  if (index === 4 && values.has(7)) values.add(0);
  return values;
}

/** Vixie cron: with both day fields restricted either may match, unless one starts with * (then both must). */
function matcher(fields: string[]): (d: Date) => boolean {
  const [minute, hour, dom, month, dow] = fields.map(allowed);
  const domStar = fields[2]!.startsWith("*");
  const dowStar = fields[4]!.startsWith("*");
  return (d) => {
    if (!minute!.has(d.getUTCMinutes()) || !hour!.has(d.getUTCHours()) || !month!.has(d.getUTCMonth() + 1)) return false;
    const byDom = dom!.has(d.getUTCDate());
    const byDow = dow!.has(d.getUTCDay());
    return domStar || dowStar ? byDom && byDow : byDom || byDow;
  };
}

/** The zone's offset (ms) at an instant. */
function offsetMs(zone: string, at: number): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(at).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - at;
}

/** The next `count` minutes after `from` that cron would fire at: walks the zone's wall clock, a day at a time where the day cannot match. */
function cronFires(line: CronLine, from: string, count: number): string[] {
  if (line.fields === "@reboot") return [];
  const matches = matcher(line.fields);
  const offset = offsetMs(line.zone, Date.parse(from));
  const fires: string[] = [];
  let wall = Date.parse(from) + offset + 60_000;
  const dayMatches = (d: Date) => matcher([line.fields[0] === "*" ? "*" : "0-59", "0-23", ...line.fields.slice(2)] as string[])(d) || Array.from({ length: 24 * 60 }, (_, m) => m).some((m) => matches(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) + m * 60_000)));
  const dayCache = new Map<number, boolean>();
  while (fires.length < count) {
    const day = Math.floor(wall / 86_400_000);
    if (!dayCache.has(day)) dayCache.set(day, dayMatches(new Date(day * 86_400_000)));
    if (!dayCache.get(day)) {
      wall = (day + 1) * 86_400_000;
      continue;
    }
    if (matches(new Date(wall))) {
      const at = wall - offset;
      // The zones used here have no DST in the window: one offset holds throughout.
      expect(offsetMs(line.zone, at)).toBe(offset);
      fires.push(new Date(at).toISOString());
    }
    wall += 60_000;
  }
  return fires;
}

// ---- orchestrate's side -------------------------------------------------------------------------

/** The tasks of an imported file, each with the crontab line its comment names. */
function importedTasks(yaml: string): Array<{ name: string; line: number }> {
  const tasks = parseDocument(yaml).get("tasks", true);
  if (!isMap(tasks)) return [];
  return tasks.items.map((pair, i) => {
    const key = pair.key;
    if (!isScalar(key)) throw new Error("a task key that is not a scalar");
    // Read back, the first key's comment belongs to the map.
    const line = /line (\d+):/.exec((i === 0 ? tasks.commentBefore : key.commentBefore) ?? "");
    if (!line) throw new Error(`task ${String(key.value)} has no "line N:" comment`);
    return { name: String(key.value), line: Number(line[1]) };
  });
}

async function checkImport(file: string, args: string[] = []) {
  const p = tempProject({});
  defer(p.cleanup);
  const env = { TZ: "UTC" };
  const imported = await runCli(["import", "crontab", file, ...args], { cwd: p.dir, env });
  expect(imported.code, imported.stderr).toBe(0);
  const config = join(p.dir, "orchestration.yaml");
  writeFileSync(config, imported.stdout);

  const validate = await runCli(["validate", config], { cwd: p.dir, env });
  expect(validate.code, `${validate.stdout}\n${validate.stderr}\n--- imported:\n${imported.stdout}`).toBe(0);

  const next = await runCli(["next", config, "--json", "-n", String(FIRES), "--from", FROM], { cwd: p.dir, env });
  expect(next.code, next.stderr).toBe(0);
  const fires = JSON.parse(next.stdout) as Array<{ task: string; at: string }>;

  const warned = new Set([...imported.stderr.matchAll(/:(\d+):\d+: .*line left out$/gm)].map((m) => Number(m[1])));
  const lines = cronLines(readFileSync(file, "utf8"));
  const tasks = importedTasks(imported.stdout);
  // Every job line is a task or a warning saying it was left out, in the crontab's order.
  expect(tasks.map((t) => t.line)).toEqual(lines.map((l) => l.line).filter((l) => !warned.has(l)));
  for (const task of tasks) {
    const line = lines.find((l) => l.line === task.line)!;
    const got = fires.filter((f) => f.task === task.name).map((f) => f.at);
    expect({ task: task.name, line: task.line, fires: got }).toEqual({ task: task.name, line: task.line, fires: cronFires(line, FROM, FIRES) });
  }
  return { imported, tasks, warned };
}

const machineFiles = [
  ...(existsSync("/etc/crontab") ? ["/etc/crontab"] : []),
  ...(existsSync("/etc/cron.d") ? readdirSync("/etc/cron.d").map((f) => join("/etc/cron.d", f)) : []),
];

describe("the machine's own crontabs (/etc/crontab, /etc/cron.d/*) import to files validate accepts, with cron's fires", () => {
  it.skipIf(machineFiles.length === 0).each(machineFiles)("%s", async (file) => {
    const { tasks, imported } = await checkImport(file);
    expect(imported.stderr).not.toMatch(/line left out/);
    if (!file.endsWith(".placeholder")) expect(tasks.length).toBeGreaterThan(0);
  });
});

describe("Debian's cron.d files, kept as fixtures, import the same way (system format: a user column)", () => {
  const files = readdirSync(join(FIXTURES, "system")).map((f) => join(FIXTURES, "system", f));
  it.each(files)("%s", async (file) => {
    const { tasks, imported } = await checkImport(file, ["--system"]);
    expect(imported.stderr).not.toMatch(/line left out/);
    expect(tasks.length).toBeGreaterThan(0);
    expect(imported.stdout).toMatch(/^ {4}user: root$/m);
  });
});

describe("a crontab with every corner of crontab(5)", () => {
  it("imports to a file validate accepts, whose tasks fire when cron would, and warns about each line it leaves out", async () => {
    const file = join(FIXTURES, "every-corner.crontab");
    const { tasks, warned, imported } = await checkImport(file);
    expect(tasks.length).toBe(21);
    expect([...warned].sort((a, b) => a - b)).toEqual([32, 33, 34, 35, 36, 37, 38]);
    for (const line of imported.stderr.trim().split("\n")) expect(line).toMatch(/^.*every-corner\.crontab:\d+:\d+: \S/);
  });

  it("reads it from stdin with -", async () => {
    const p = tempProject({ "crontab.txt": "0 5 * * * /opt/bin/from-stdin\n" });
    defer(p.cleanup);
    const result = spawnSync(process.execPath, [BIN, "import", "crontab", "-"], { input: readFileSync(p.path("crontab.txt")), encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/from-stdin:\n {4}cron: "0 5 \* \* \*"/);
  });

  it("a file it cannot read is an error, exit 1", async () => {
    const p = tempProject({});
    defer(p.cleanup);
    const result = await runCli(["import", "crontab", "no-such-crontab"], { cwd: p.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*no-such-crontab/);
  });
});

describe("the matcher this test trusts agrees with crontab(5) on the cases that tell cron's rules apart", () => {
  it("OR for two restricted day fields, AND when one starts with *, 7 as Sunday, names", () => {
    const at = (iso: string) => new Date(iso);
    // 2026-03-02 is a Monday, the 2nd (even).
    expect(matcher("0 0 1 * mon".split(" "))(at("2026-03-02T00:00:00Z"))).toBe(true);
    expect(matcher("0 0 */2 * mon".split(" "))(at("2026-03-02T00:00:00Z"))).toBe(false);
    expect(matcher("0 0 */2 * mon".split(" "))(at("2026-03-09T00:00:00Z"))).toBe(true);
    expect(matcher("0 0 * * 7".split(" "))(at("2026-03-01T00:00:00Z"))).toBe(true);
    expect(matcher("0 0 * FEB-apr Sun-Tue".split(" "))(at("2026-03-03T00:00:00Z"))).toBe(true);
    expect(matcher("0 0 * FEB-apr Sun-Tue".split(" "))(at("2026-03-04T00:00:00Z"))).toBe(false);
    expect(cronFires({ line: 1, fields: "0 9 * * mon-fri".split(" "), zone: "Asia/Tokyo" }, FROM, 2)).toEqual(["2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z"]);
  });
});
