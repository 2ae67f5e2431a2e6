/**
 * A crontab (crontab(5), Vixie/Debian cron) read into an equivalent orchestration.yaml
 * (`orchestrate import crontab`). Pure: text in, YAML text and located warnings out.
 *
 * What cron does that a task does differently is translated where the translation is exact
 * (nicknames, `\%`, the day fields' AND rule, environment lines, the user column), rewritten and
 * flagged where it is close (stdin from `%`, another SHELL), and flagged and left out otherwise.
 */
import { Document, Scalar, isMap, isScalar, type Pair } from "yaml";
import { checkCronExpression } from "../schedule/cron.js";
import { CRON_NICKNAMES, NICKNAME_FIELDS, REBOOT } from "../schedule/cron-dialect.js";
import { isValidTimezone } from "../time/zones.js";

export interface CrontabWarning {
  line: number;
  col: number;
  message: string;
}

export interface CrontabImportOptions {
  /** System format (/etc/crontab, /etc/cron.d/*): a user column between the schedule and the command. */
  system: boolean;
  /** Where the text came from, for the header comment. */
  source: string;
}

export interface CrontabImport {
  yaml: string;
  warnings: CrontabWarning[];
  /** How many job lines became tasks. */
  tasks: number;
}


/** crontab(5)'s fields: range, and the names a field accepts (as 0-based offsets from its min). */
const FIELDS = [
  { name: "minute", min: 0, max: 59, names: [] as string[] },
  { name: "hour", min: 0, max: 23, names: [] as string[] },
  { name: "day-of-month", min: 1, max: 31, names: [] as string[] },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day-of-week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** A login name as useradd(8) allows it (Samba's machine accounts end in $). */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** Shells whose `sh -c` reading of a cron line bash -c (what runs a task's `command:`) shares. */
const SH_COMPATIBLE = /^(?:\/usr)?\/bin\/(?:sh|bash|dash)$/;

interface Task {
  name: string;
  line: number;
  source: string;
  cron: string;
  command: string;
  /** The command as written (before any wrapping), which the task's name comes from. */
  written: string;
  user: string | null;
  env: Record<string, string>;
  timezone: string | null;
}

export function importCrontab(text: string, options: CrontabImportOptions): CrontabImport {
  const warnings: CrontabWarning[] = [];
  const warn = (line: number, col: number, message: string) => warnings.push({ line, col, message });
  const header: string[] = [];
  const tasks: Task[] = [];
  const env: Record<string, string> = {};
  let timezone: string | null = null;
  let shell: string | null = null;

  text.split("\n").forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (body === "" || body.startsWith("#")) return;

    const assignment = parseEnvironmentLine(line);
    if (assignment) {
      const { name, value } = assignment;
      if (name === "MAILTO") {
        header.push(...mailtoComment(value));
        if (value !== "") warn(lineNo, indent + 1, `MAILTO=${value}: orchestrate mails nothing, it records each run's output (orchestrate logs RUN_ID); the header comment shows a notify: entry to be told of failures`);
      } else if (name === "SHELL") {
        shell = SH_COMPATIBLE.test(value) ? null : value;
        if (shell) warn(lineNo, indent + 1, `SHELL=${value}: a task's command runs with bash -c; the following commands are wrapped as ${value} -c '…' — check that they still read right`);
        header.push(`SHELL=${value} (line ${lineNo}): ${shell ? `commands after it run as ${value} -c '…'` : "a task's command runs with bash -c"}`);
      } else if (name === "CRON_TZ" || name === "TZ") {
        if (!isValidTimezone(value)) {
          warn(lineNo, indent + 1, `${name}=${value} is not an IANA timezone (e.g. Europe/Berlin): the following lines keep ${timezone ?? "the system's zone"}`);
        } else {
          timezone = value;
        }
        // TZ is also in a cron job's environment; CRON_TZ only picks the zone of its schedule.
        if (name === "TZ") env.TZ = value;
      } else {
        env[name] = value;
      }
      return;
    }

    const job = parseJobLine(line, options.system);
    if ("problem" in job) {
      warn(lineNo, job.col, `${job.problem}; line left out`);
      return;
    }
    const schedule = translateSchedule(job.schedule, timezone);
    if ("problem" in schedule) {
      warn(lineNo, indent + 1, `${schedule.problem}; line left out`);
      return;
    }
    if (schedule.note) warn(lineNo, indent + 1, schedule.note);
    if (job.user !== null && !USER_NAME.test(job.user)) {
      warn(lineNo, job.userCol, `"${job.user}" is not a user name, which a system crontab has before the command: is this a user's crontab (then leave out --system)?; line left out`);
      return;
    }
    if (job.command.includes("{{")) {
      warn(lineNo, job.commandCol, "the command contains {{, which a task's command: refuses (templates do not work there): put it in a script and use scripts:; line left out");
      return;
    }
    const command = translateCommand(job.command, shell);
    if (command.note) warn(lineNo, job.commandCol, command.note);
    tasks.push({ name: "", line: lineNo, source: body, cron: schedule.cron, command: command.text, written: job.command, user: job.user, env: { ...env }, timezone });
  });

  nameTasks(tasks);
  return { yaml: toYaml(tasks, header, options.source), warnings, tasks: tasks.length };
}

/**
 * `NAME = VALUE`, as Vixie cron's load_env reads it: either side may be quoted (matching single or
 * double quotes) to keep blanks; unquoted, the value is trimmed. null when the line is not one.
 */
export function parseEnvironmentLine(line: string): { name: string; value: string } | null {
  const match = /^\s*(?:"([^"]*)"|'([^']*)'|([^\s="']+))\s*=\s*(.*)$/.exec(line);
  if (!match) return null;
  const name = match[1] ?? match[2] ?? match[3] ?? "";
  let value = (match[4] ?? "").trimEnd();
  const quoted = /^(["'])(.*)\1$/.exec(value);
  if (quoted) value = quoted[2]!;
  if (name === "") return null;
  return { name, value };
}

type JobLine =
  | { schedule: string; user: string | null; userCol: number; command: string; commandCol: number }
  | { problem: string; col: number };

/** Splits a job line into its schedule (five fields or a nickname), its user (system format) and its command. */
export function parseJobLine(line: string, system: boolean): JobLine {
  const words: Array<{ text: string; col: number }> = [];
  const pattern = /\S+/g;
  const wanted = (line.trimStart().startsWith("@") ? 1 : 5) + (system ? 1 : 0);
  let match: RegExpExecArray | null;
  while (words.length < wanted && (match = pattern.exec(line)) !== null) words.push({ text: match[0], col: match.index + 1 });
  const first = words[0]!;
  const rest = line.slice(pattern.lastIndex).replace(/^[ \t]+/, "");
  const commandCol = line.length - rest.length + 1;
  if (words.length < wanted || rest === "") {
    const what = system ? "a schedule (five fields or a nickname), a user and a command" : "a schedule (five fields or a nickname) and a command";
    return { problem: `not a crontab line: expected ${what}${system ? "" : " (a system crontab has a user column too: use --system)"}`, col: first.col };
  }
  const schedule = words.slice(0, wanted - (system ? 1 : 0)).map((w) => w.text).join(" ");
  return { schedule, user: system ? words[wanted - 1]!.text : null, userCol: words[wanted - 1]!.col, command: rest, commandCol };
}

type Schedule = { cron: string; note: string | null } | { problem: string };

/** A crontab schedule as a task's `cron:`, checked both ways: crontab(5) must accept it, and so must orchestrate. */
export function translateSchedule(schedule: string, timezone: string | null): Schedule {
  if (schedule.startsWith("@")) {
    if (schedule === REBOOT) return { cron: REBOOT, note: null };
    const cron = Object.hasOwn(NICKNAME_FIELDS, schedule) ? NICKNAME_FIELDS[schedule] : undefined;
    if (!cron) return { problem: `unknown nickname "${schedule}": crontab(5) knows ${[REBOOT, ...CRON_NICKNAMES].join(" ")}` };
    return { cron, note: null };
  }
  const fields = schedule.split(" ");
  for (let i = 0; i < fields.length; i++) {
    const problem = fieldProblem(fields[i]!, FIELDS[i]!);
    if (problem) return { problem };
  }
  let note: string | null = null;
  const [dom, dow] = [fields[2]!, fields[4]!];
  // Vixie cron fires when EITHER day field matches only if neither starts with "*"; with "*/2" in
  // one of them it wants BOTH. orchestrate reads both restricted fields as EITHER, and "+" before
  // the day-of-week as BOTH, so that is how cron's reading is kept.
  if (dom !== "*" && dow !== "*" && (dom.startsWith("*") || dow.startsWith("*"))) {
    fields[4] = `+${dow}`;
    note = `day fields "${dom}" and "${dow}": cron wants both to match when one starts with *; written as "+${dow}" (orchestrate's AND), since orchestrate would otherwise fire when either matches`;
  }
  const cron = fields.join(" ");
  const problem = checkCronExpression(cron, timezone ?? undefined);
  if (problem) return { problem: `"${schedule}": ${problem}` };
  return { cron, note };
}

/** What is wrong with one field by crontab(5)'s grammar (lists of numbers, names, ranges and steps), or null. */
function fieldProblem(field: string, info: (typeof FIELDS)[number]): string | null {
  const value = (text: string): number | null => {
    if (/^\d+$/.test(text)) return Number(text);
    const name = info.names.indexOf(text.toLowerCase());
    return name >= 0 ? name + info.min : null;
  };
  const bad = (why: string) => `${info.name} field "${field}" ${why}`;
  for (const item of field.split(",")) {
    const match = /^(\*|([^-/]+)(?:-([^-/]+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return bad(`is not a number, name, range (a-b), step (*/n, a-b/n) or a list of them${notCrontab(item) ? " (L, W, # and ? are croner's, not crontab(5)'s)" : ""}`);
    const [, , from, to, step] = match;
    if (step !== undefined && Number(step) === 0) return bad("has a step of 0");
    if (from === undefined) continue;
    const low = value(from);
    const high = to === undefined ? low : value(to);
    if (low === null || high === null) return bad(`has "${low === null ? from : to}", which is not a number${info.names.length ? " or a name" : ""}${notCrontab(item) ? " (L, W, # and ? are croner's, not crontab(5)'s)" : ""}`);
    if (low < info.min || high > info.max) return bad(`is out of range ${info.min}-${info.max}`);
    if (low > high) return bad("is a range that runs backwards");
    // Vixie cron takes a step only after * or a range: "5/10" is an error there.
    if (step !== undefined && to === undefined) return bad('has a step after a single value: write a range (e.g. "5-59/10")');
  }
  return null;
}

function notCrontab(item: string): boolean {
  return /^(?:\?|L|LW|\d*[LW]|\w+#\d+|\w+L)$/i.test(item);
}

/**
 * The command as cron runs it (Vixie cron's do_command): `\%` is a literal `%`; the first other
 * `%` ends the command, and what follows is its stdin, with each further `%` a newline.
 */
export function splitPercent(command: string): { command: string; stdin: string | null } {
  let out = "";
  let escaped = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (escaped) {
      out = ch === "%" ? out.slice(0, -1) + "%" : out + ch;
      escaped = false;
      continue;
    }
    if (ch === "%") return { command: out, stdin: stdinText(command.slice(i + 1)) };
    escaped = ch === "\\";
    out += ch;
  }
  return { command: out, stdin: null };
}

/** cron's translation of the stdin part: `%` a newline, `\%` a `%`, any other backslash kept. */
function stdinText(text: string): string {
  let out = "";
  let escaped = false;
  for (const original of text) {
    let ch = original;
    if (escaped) {
      if (ch !== "%") out += "\\";
    } else if (ch === "%") {
      ch = "\n";
    }
    escaped = ch === "\\";
    if (!escaped) out += ch;
  }
  return escaped ? out + "\\" : out;
}

function translateCommand(raw: string, shell: string | null): { text: string; note: string | null } {
  const { command, stdin } = splitPercent(raw);
  const notes: string[] = [];
  let text = command;
  if (shell) text = `${shell} -c ${shellQuote(text)}`;
  if (stdin !== null) {
    // A task has no stdin of its own: cron's is written in front of the command, byte for byte.
    text = `printf '%s' ${ansiQuote(stdin)} | ${shell ? text : `( ${text.trim()} )`}`;
    notes.push("an unescaped % makes the rest of the line the command's stdin (cron's rule); a task has no stdin, so it is written as printf '%s' … | ( command ) — check it, or write \\% for a literal %");
  }
  return { text, note: notes.length ? notes.join("; ") : null };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** bash's $'…', which can hold newlines on the one line a command: may have. */
function ansiQuote(text: string): string {
  return `$'${text.replace(/[\\']/g, (c) => `\\${c}`).replaceAll("\n", "\\n").replaceAll("\t", "\\t")}'`;
}

function mailtoComment(value: string): string[] {
  if (value === "") return ["MAILTO=\"\": cron mailed nothing; orchestrate mails nothing either (it records each run's output)"];
  return [
    `MAILTO=${value}: cron mailed each job's output there. orchestrate records it instead`,
    "(orchestrate logs RUN_ID); to be mailed when a run fails, add:",
    "notify:",
    `  - command: ${shellQuote(`mail -s "orchestrate: a run failed" ${value}`)}`,
    "    events: [failed]",
  ];
}

/** Commands that only test, move or print: a line is not about them. */
const NOT_THE_JOB = new Set(["test", "[", "[[", "cd", "echo", "printf", "true", "false", "sleep", "export", "set", "exit", "return", ":", "fi", "done", "esac", "}", ")", "]"]);
/** Commands that run the next word (after their options, and for some one argument more). */
const WRAPPERS: Record<string, number> = { nice: 0, ionice: 0, env: 0, sudo: 0, nohup: 0, exec: 0, chronic: 0, time: 0, command: 0, timeout: 0, flock: 1, su: 0 };
const INTERPRETERS = new Set(["sh", "bash", "dash", "zsh", "python", "python2", "python3", "perl", "php", "ruby", "node"]);
/** Words that open a compound command or negate one: the program comes after them. */
const OPENERS = new Set(["{", "(", "!", "if", "then", "do", "else", "elif", "while", "until"]);

/** A readable name for each task from its command (the program it runs), made unique with -2, -3. */
function nameTasks(tasks: Task[]): void {
  const used = new Set<string>();
  for (const task of tasks) {
    const base = nameFromCommand(splitPercent(task.written).command) || "job";
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    task.name = name;
    used.add(name);
  }
}

/**
 * The program a command is about: the last one it runs that is not a test, a `cd` or a wrapper
 * (nice, timeout, flock …), by its basename; a script's name for an interpreter; a run-parts folder's.
 */
export function nameFromCommand(command: string): string {
  let name = "";
  // "2>&1" and "&>" are redirections, not the & that ends a command.
  const plain = command.replace(/\d*[<>]&\d*-?/g, " ").replace(/&>>?/g, " > ");
  for (const simple of plain.split(/&&|\|\||[;|&]/)) {
    const found = programOf(withoutRedirections(simple.trim().split(/\s+/).filter(Boolean)));
    if (found) name = found;
  }
  return taskName(name);
}

function withoutRedirections(words: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (/^\d*[<>]/.test(word)) {
      if (/^\d*[<>]+&?$/.test(word)) i++; // "> file": the target is the next word
      continue;
    }
    kept.push(word);
  }
  return kept;
}

function programOf(words: string[]): string | null {
  let i = 0;
  // A wrapper's options, and their values where they are numbers or durations (nice -n 10, timeout 1h).
  const skipOptions = () => {
    while (i < words.length && (words[i]!.startsWith("-") || /^\d+(?:\.\d+)?[smhd]?$/.test(words[i]!))) i++;
  };
  while (i < words.length && (OPENERS.has(words[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) i++;
  for (;;) {
    const word = words[i];
    if (word === undefined) return null;
    const base = basenameOf(word);
    if (base === "command" && words[i + 1] === "-v") return null; // a test for a program, not a run of it
    if (Object.hasOwn(WRAPPERS, base)) {
      i++;
      skipOptions();
      i += WRAPPERS[base]!;
      while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++; // env NAME=value
      continue;
    }
    if (NOT_THE_JOB.has(base) || !/^[\w./~+-]+$/.test(word)) return null;
    if (base === "run-parts") return words.slice(i + 1).find((w) => w.startsWith("/")) ?? base;
    if (INTERPRETERS.has(base.replace(/[\d.]+$/, "")) || INTERPRETERS.has(base)) {
      i++;
      // python -m module, perl -e CODE, bash -c CODE: no script to be named after.
      while (i < words.length && words[i]!.startsWith("-")) if (/^-[cem]$/.test(words[i++]!)) return base;
      const script = words[i];
      return script !== undefined && /^[\w./~+-]+$/.test(script) ? script : base;
    }
    return word;
  }
}

function basenameOf(path: string): string {
  return path.replace(/\/+$/, "").split("/").pop() ?? path;
}


/** A task name ([A-Za-z0-9][A-Za-z0-9_.-]*), without a script's extension. */
function taskName(word: string): string {
  return basenameOf(word)
    .replace(/\.(?:sh|bash|py|pl|php|rb|js|mjs)$/, "")
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[-.]+$/, "");
}

function toYaml(tasks: Task[], header: string[], source: string): string {
  // What every task shares goes to defaults: the variables all of them have, and one zone.
  const sharedEnv = tasks.length === 0 ? {} : Object.fromEntries(Object.entries(tasks[0]!.env).filter(([k, v]) => tasks.every((t) => t.env[k] === v)));
  const zones = new Set(tasks.map((t) => t.timezone));
  const sharedZone = zones.size === 1 ? tasks[0]!.timezone : null;
  const defaults: Record<string, unknown> = { concurrency: "allow" };
  if (sharedZone) defaults.timezone = sharedZone;
  if (Object.keys(sharedEnv).length > 0) defaults.env = sharedEnv;

  // A Map keeps the crontab's order: an object would put names like "7" first.
  const taskMap = new Map<string, Record<string, unknown>>();
  for (const task of tasks) {
    const entry: Record<string, unknown> = { cron: task.cron };
    if (task.timezone && !sharedZone) entry.timezone = task.timezone;
    if (task.user) entry.user = task.user;
    const env = Object.fromEntries(Object.entries(task.env).filter(([k]) => !(k in sharedEnv)));
    if (Object.keys(env).length > 0) entry.env = env;
    entry.command = task.command;
    taskMap.set(task.name, entry);
  }

  const doc = new Document({ version: 1, defaults, tasks: taskMap });
  doc.commentBefore = [`Imported from ${source} by orchestrate import crontab.`, ...header].map((line) => ` ${line}`).join("\n");
  const defaultsMap = doc.get("defaults", true);
  if (isMap(defaultsMap)) {
    commentOn(defaultsMap.items[0]!, [
      "cron starts a job even while its previous run goes on; orchestrate's default,",
      "concurrency: forbid, would record such a fire as skipped instead.",
    ]);
  }
  const tasksMap = doc.get("tasks", true);
  if (isMap(tasksMap)) {
    tasksMap.items.forEach((pair, i) => {
      const task = tasks[i]!;
      commentOn(pair, [`line ${task.line}: ${task.source}`]);
      const fields = pair.value;
      if (isMap(fields)) {
        const cron = fields.get("cron", true);
        if (isScalar(cron)) cron.type = Scalar.QUOTE_DOUBLE;
      }
    });
  }
  return doc.toString({ lineWidth: 0 });
}

function commentOn(pair: Pair, lines: string[]): void {
  const key = isScalar(pair.key) ? pair.key : new Scalar(pair.key);
  key.commentBefore = lines.map((line) => ` ${line}`).join("\n");
  pair.key = key;
}
