/**
 * The shape of `orchestration.yaml` as written (SPEC §3): the one source of the raw types, of the
 * JSON Schema editors complete from, and of the messages for mistyped values. Rules that need
 * more than one value (two triggers, cron in a timezone, files on disk) live in task.ts.
 */
import { z } from "zod";
import { DURATION_EXAMPLES, DURATION_PATTERN, formatDuration, MAX_DURATION_MS, MIN_INTERVAL_MS, parseDuration } from "../time/duration.js";
import { httpUrlProblem } from "./http-url.js";
import { showValue } from "./problems.js";
import { NODE_LABEL } from "./node-label.js";
import { SIZE_PATTERN } from "./size.js";
import { suggestTimezone } from "./suggest.js";
import { isRealDate, isValidTimezone, parseTimeText, TIME_EXAMPLES, TIME_PATTERN } from "../time/zones.js";

/** Each value's own message: what was expected, and what was written instead. */
function expecting(what: string) {
  return { error: (issue: { input?: unknown }) => `expected ${what}, got ${showValue(issue.input)}` };
}

/** A rule on one value, as a function that returns what is wrong with it (or null). */
function checked<T extends z.ZodType>(schema: T, problem: (value: z.output<T>) => string | null): T {
  return schema.superRefine((value, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message, input: value });
  });
}

/**
 * Every value is passed on as an argv element, an environment variable or a path, and none of
 * those can hold a NUL: refused where it is written rather than by the operating system at run time.
 */
const NO_NUL = "must not contain a NUL character (\\0): no argument, environment variable or path can hold one";
const withoutNul = (value: string) => (value.includes("\0") ? NO_NUL : null);

export const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** `constructor`, `toString`…: a map keyed by task names must never mistake one for a task. */
const OBJECT_MEMBERS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Why `name` cannot name a task that is otherwise well formed, or null. */
export function reservedTaskName(name: string): string | null {
  return OBJECT_MEMBERS.has(name) ? `task name "${name}" is taken by JavaScript itself (every object has it); choose another name` : null;
}

export const taskName = checked(
  z.string().regex(TASK_NAME, {
    error: (issue) => `task name ${showValue(issue.input)} must start with a letter or digit and hold only letters, digits, "_", "." and "-"`,
  }),
  (name) => (TASK_NAME.test(name) ? reservedTaskName(name) : null),
);

/** A union's message, given to each option too: zod reports the option whose type matched. */
function unionOf<const T extends readonly [z.ZodType, ...z.ZodType[]]>(
  what: string,
  options: (message: ReturnType<typeof expecting>) => T,
) {
  const message = expecting(what);
  return z.union(options(message), message);
}

/** For `.min(1)` on lists, whose own "expected a list" message would be wrong there. */
const NOT_EMPTY = { error: "must not be empty" };

/**
 * A duration within bounds (README, Rules): at most a year, which any timer can wait (longer ones
 * are chained) and any schedule needs; `minMs` for intervals that must not spin.
 */
const duration = (minMs = 0) =>
  checked(
    unionOf(`a duration like ${DURATION_EXAMPLES}`, (m) => [z.string(m).regex(new RegExp(DURATION_PATTERN)), z.number(m).nonnegative()]),
    (value) => {
      const ms = parseDuration(value);
      if (ms === null) return null;
      if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return `must be at most ${formatDuration(MAX_DURATION_MS)}, got ${showValue(value)}`;
      if (ms < minMs) return `must be at least ${formatDuration(minMs)}, got ${showValue(value)}`;
      return null;
    },
  ).meta({ examples: ["30s", "5m", "1h30m"] });

const text = (what = "text") => checked(z.string(expecting(what)), withoutNul);
const path = (what: string) => text(what).min(1);
const wholeNumber = (min: number) => z.number(expecting(min > 0 ? "a whole number above 0" : "a whole number")).int().min(min);

/** What a script sees as one argv element; numbers and booleans are kept as written. */
const scalar = unionOf('text, a number or true/false (write "" for an empty value)', () => [checked(z.string(), withoutNul), z.number(), z.boolean()]);

const params = z
  .record(checked(z.string(), withoutNul), scalar, expecting("a map of parameters like { region: eu }"))
  .describe(
    "Passed as --key value in the order written; values may use {{ task }}, {{ run_id }}, {{ attempt }}, " +
      "{{ scheduled_at | date: yyyy-MM-dd }}, {{ env.NAME }}",
  );

const script = z
  .strictObject(
    {
      path: path("a script path").describe("Relative to the config file's folder"),
      params: params.optional(),
    },
    expecting("a map like { path: scripts/report.py, params: { region: eu } }"),
  )
  .describe("A script, run by the task's interpreter");

const repeat = z
  .strictObject(
    {
      path: path("a script path").describe("Relative to the config file's folder"),
      params: z.array(params, expecting("a list of parameter sets")).optional().describe("One invocation per parameter set"),
      params_from: path("a program path")
        .optional()
        .describe("A program (run with the task's interpreter) whose stdout is a JSON array of parameter sets"),
    },
    expecting("a map like { path: scripts/sync.sh, params: [ { bucket: a } ] }"),
  )
  .describe("The same script once per parameter set: give params or params_from");

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const WEEKDAY_NAMES = WEEKDAYS.flatMap((name) => [name.slice(0, 3), name]);
/** Case-insensitive without regex flags, which JSON Schema patterns cannot carry. */
const anyCase = (word: string) => [...word].map((c) => `[${c.toUpperCase()}${c}]`).join("");
const weekday = z
  .string(expecting("a weekday: mon, tue, wed, thu, fri, sat or sun"))
  .regex(new RegExp(`^(?:${WEEKDAY_NAMES.map(anyCase).join("|")})$`));

const DATE_OR_RANGE = /^(\d{4})-(\d{2})-(\d{2})(?:\.\.(\d{4})-(\d{2})-(\d{2}))?$/;
const dateText = z.string(expecting('a date like "2026-12-25" or a range like "2026-12-24..2026-12-31"'));
const dateOrRange = checked(dateText.regex(DATE_OR_RANGE, { abort: true }), (value) => {
  const [from, to = from] = value.split("..") as [string, string?];
  for (const date of new Set([from, to])) {
    const [y, m, d] = date.split("-").map(Number);
    if (!isRealDate(y!, m!, d!)) return `${date} is not a real date`;
  }
  return from <= to ? null : `the range ${value} ends before it starts`;
});

const skipRule = z
  .strictObject(
    {
      weekdays: z
        .array(weekday, expecting("a list of weekdays like [sat, sun]"))
        .min(1, NOT_EMPTY)
        .optional()
        .describe("Skip on these days, in the task's timezone"),
      dates: z
        .array(dateOrRange, expecting('a list of dates like ["2026-12-25", "2026-12-24..2026-12-31"]'))
        .min(1, NOT_EMPTY)
        .optional()
        .describe("Skip on these dates or inclusive ranges, in the task's timezone"),
      command: text("a command").min(1).optional().describe("Run with bash -c; exit 0 means skip"),
      file_exists: path("a file path").optional().describe("Skip while this file exists; relative to the config file's folder"),
      env: text("an environment variable name").min(1).optional().describe("Skip while this variable is set and not empty"),
    },
    expecting("a map with one of weekdays, dates, command, file_exists, env"),
  )
  .refine((rule) => Object.keys(rule).length === 1, { error: "each skip rule holds exactly one of weekdays, dates, command, file_exists, env" })
  .meta({ minProperties: 1, maxProperties: 1 })
  .describe("Any rule that holds makes the run skipped, with the reason recorded");

const command = checked(text("a command").min(1), (value) => {
  const line = value.replace(/\n+$/, "");
  if (line.includes("\n")) return "`command` is one line for bash -c; put longer commands in a script and use `scripts`";
  if (line.includes("{{")) return "templates do not work in `command`; use a script with `params` instead";
  return null;
});

const httpStatus = unionOf('a status class like "2xx" or a code like 204', (m) => [
  z.string(m).regex(/^(?:[1-5][xX][xX]|[1-5]\d\d)$/),
  z.number(m).int().min(100).max(599),
]);

const http = z
  .strictObject(
    {
      // Not z.url(): it hands on the URL parser's rewrite (line breaks dropped), not what was written.
      url: checked(text("an http:// or https:// URL"), httpUrlProblem),
      method: z.string(expecting("an HTTP method like GET or POST")).regex(/^[A-Za-z]+$/).optional().describe("Default GET"),
      headers: z.record(checked(z.string(), withoutNul), scalar, expecting("a map of headers")).optional(),
      body: text("the request body as text").optional(),
      timeout: duration().optional().describe("Default 30s"),
      expect: z
        .union([httpStatus, z.array(httpStatus).min(1, NOT_EMPTY)], expecting('a status class like "2xx", a code, or a list of them'))
        .optional()
        .describe('Accepted statuses: classes like "2xx" or exact codes; default "2xx"'),
    },
    expecting("a map like { url: https://example.com/health }"),
  )
  .describe("An HTTP request as the task's action");

const timezone = checked(text("an IANA timezone like Europe/Berlin"), (value) => {
  if (isValidTimezone(value)) return null;
  const suggestion = suggestTimezone(value);
  const hint = suggestion ? `; did you mean "${suggestion}"?` : ": use an IANA name like Europe/Berlin";
  return `unknown timezone ${showValue(value)}${hint}`;
});

const nodeLabel = z.string(expecting("a label")).regex(NODE_LABEL, { error: 'a label holds letters, digits, "_", "." and "-", starting with a letter or digit' });

/** An account as /etc/passwd and /etc/group name them (POSIX portable names), or a number. */
const account = (what: string) =>
  z
    .string(expecting(what))
    .regex(/^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|\d{1,10})$/, { error: `expected ${what}: letters, digits, "_", "." and "-", or a number` });

const variableName = z.string(expecting("a variable name without = or NUL")).regex(/^[^=\0]+$/);

const at = checked(text(`a time like ${TIME_EXAMPLES}`).regex(new RegExp(TIME_PATTERN), { abort: true }), (value) =>
  parseTimeText(value) ? null : `${showValue(value)} is not a real date and time`,
);

/** Run events by the short names `notify: events:` uses (the bus calls them run.started …). */
export const NOTIFY_EVENTS = ["started", "retrying", "succeeded", "failed", "skipped", "cancelled", "interrupted", "missed", "late", "message"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const url = (what: string) => checked(text(`${what}: an http:// or https:// URL`), httpUrlProblem);

/** One destination of run events (SPEC §3 `notify:`): exactly one of webhook, command, heartbeat. */
const notifyEntry = z
  .strictObject(
    {
      webhook: url("a webhook").optional().describe("POST each event here as JSON"),
      command: command.optional().describe("Run with bash -c, the event as JSON on its stdin"),
      heartbeat: url("a heartbeat").optional().describe("GET this URL every `every` while the daemon is healthy (a dead man's switch)"),
      events: z
        .array(z.enum(NOTIFY_EVENTS, expecting(`an event: ${NOTIFY_EVENTS.join(", ")}`)), expecting("a list of events like [failed, late]"))
        .min(1, NOT_EMPTY)
        .optional()
        .describe("Only these events; default: all"),
      secret_env: z
        .string(expecting("an environment variable name"))
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .optional()
        .describe("The variable holding the secret: each body is signed with HMAC-SHA256 in X-Orchestrate-Signature"),
      headers: z.record(checked(z.string(), withoutNul), scalar, expecting("a map of headers")).optional().describe("Sent with each webhook request"),
      every: duration(1_000).optional().describe("How often a heartbeat pings; at least 1s"),
      timeout: duration(1).optional().describe("Each delivery's time limit; default 10s (a command: 30s)"),
    },
    expecting("a map with one of webhook, command, heartbeat"),
  )
  .describe("Where run events go: a webhook, a command, or a heartbeat URL");

export const notifyList = z.array(notifyEntry, expecting("a list of destinations like - webhook: https://hooks.example.com/x"));

/** Every field a task can have; `defaults` takes the same ones. */
export const taskSchema = z
  .strictObject(
    {
      description: text().optional().describe("What the task is for, shown by validate and history"),
      cron: text('a cron expression like "30 2 * * *" or a nickname like @daily')
        .optional()
        .describe("5 fields, or 6 with seconds first, or 7 with a year last; @hourly @daily @weekly @monthly @yearly @reboot"),
      every: duration(MIN_INTERVAL_MS).optional().describe("A fixed interval instead of cron"),
      at: at.optional().describe("Once, at this time in the task's timezone (or absolute with Z / +hh:mm)"),
      delay: duration().optional().describe("Once, this long after the daemon starts"),
      timezone: timezone.optional().describe("IANA zone of the schedule; default the system zone"),
      type: z.enum(["bash", "python", "sh", "node"]).optional().describe("Interpreter of scripts and repeat; default bash"),
      scripts: z.array(script, expecting("a list of scripts")).min(1, NOT_EMPTY).optional().describe("Run one after another"),
      repeat: z
        .array(repeat, expecting("a list of repeated scripts"))
        .min(1, NOT_EMPTY)
        .optional()
        .describe("Run after scripts, once per parameter set"),
      skip: z
        .array(skipRule, expecting("a list of skip rules like - weekdays: [sat, sun]"))
        .optional()
        .describe("Conditions under which a fire is recorded as skipped"),
      command: command.optional().describe("One line run with bash -c; no templates"),
      http: http.optional(),
      timeout: duration().optional().describe("Per invocation; then SIGTERM to the process group, SIGKILL after kill_grace. 0: none"),
      kill_grace: duration().optional().describe("Default 10s"),
      retries: wholeNumber(0).optional().describe("Extra attempts per failing invocation; default 0, 3 for http"),
      retry_delay: duration().optional().describe("First backoff, doubled each time with jitter; default 10s"),
      retry_max_delay: duration().optional().describe("Cap on the backoff; default 10m"),
      concurrency: z
        .enum(["forbid", "allow", "replace", "queue"])
        .optional()
        .describe("When a fire finds the previous run still going: forbid (default, recorded as skipped), allow, replace or queue"),
      catch_up: z
        .enum(["none", "latest", "all"])
        .optional()
        .describe("Fires missed during downtime: none (default), latest, or all (at most 100)"),
      catch_up_window: duration().optional().describe("Missed fires older than this are not caught up; default 24h"),
      jitter: duration().optional().describe("Random delay added to each fire, up to this; default 0s"),
      deadline: duration().optional().describe("Not succeeded this long after its fire: event run.late. 0: none"),
      env: z
        .record(variableName, scalar, expecting("a map of environment variables like { PGHOST: db1 }"))
        .optional()
        .describe("Added to the script's environment; merged with defaults.env"),
      env_file: path("a file")
        .optional()
        .describe("A file of KEY=value lines (dotenv, like systemd's EnvironmentFile=), read at each run; env: wins over it"),
      user: account("a user name or uid").optional().describe("Run the task's processes as this account (the daemon must run as root)"),
      group: account("a group name or gid").optional().describe("With user: this group instead of the user's primary group"),
      cwd: path("a folder").optional().describe("Working directory, relative to the config file's folder; default that folder"),
      notify: notifyList.optional().describe("Destinations for this task's events, besides the config's notify:"),
      nodes: z
        .array(nodeLabel, expecting("a list of node labels like [gpu, eu]"))
        .min(1, { error: "nodes: needs at least one label (leave it out to run on any node)" })
        .optional()
        .describe("Run only on daemons started with one of these labels (orchestrate run --label NAME)"),
    },
    expecting("a map of task settings"),
  )
  .describe(
    "A task: at most one trigger (cron, every, at, delay; none: manual only) and one action (scripts/repeat, command or http)",
  );

/** Keys of a task that belong to its trigger and to how its fires become runs: a workflow step has none of them. */
const FIRE_KEYS = { cron: true, every: true, at: true, delay: true, timezone: true, concurrency: true, catch_up: true, catch_up_window: true, jitter: true, deadline: true, notify: true, nodes: true } as const;

const stepName = checked(
  z.string().regex(TASK_NAME, {
    error: (issue) => `step name ${showValue(issue.input)} must start with a letter or digit and hold only letters, digits, "_", "." and "-"`,
  }),
  (name) => (TASK_NAME.test(name) ? reservedTaskName(name)?.replace("task name", "step name") ?? null : null),
);

/** What undoes a step: any action, with its own retries and timeout. */
export const rollbackSchema = taskSchema
  .pick({ type: true, scripts: true, repeat: true, command: true, http: true, timeout: true, kill_grace: true, retries: true, retry_delay: true, retry_max_delay: true, env: true, env_file: true, user: true, group: true, cwd: true })
  .describe("Runs when the workflow fails after this step succeeded: any action, with its own retries and timeout");

/** A step: every action and option of a task but its trigger, plus its dependencies and rollback. */
export const stepSchema = taskSchema
  .omit(FIRE_KEYS)
  .extend({
    depends_on: z
      .array(stepName, expecting("a list of step names like [extract]"))
      .optional()
      .describe("Steps that must have succeeded (or been skipped by their own skip conditions) first"),
    rollback: rollbackSchema.optional(),
  })
  .describe("A step of the workflow: an action, its options, what it depends on and how to undo it");

export const workflowSchema = z
  .strictObject(
    {
      description: text().optional().describe("What the workflow is for"),
      cron: taskSchema.shape.cron,
      every: taskSchema.shape.every,
      at: taskSchema.shape.at,
      delay: taskSchema.shape.delay,
      timezone: taskSchema.shape.timezone,
      concurrency: taskSchema.shape.concurrency,
      catch_up: taskSchema.shape.catch_up,
      catch_up_window: taskSchema.shape.catch_up_window,
      jitter: taskSchema.shape.jitter,
      deadline: taskSchema.shape.deadline,
      notify: taskSchema.shape.notify,
      nodes: taskSchema.shape.nodes,
      max_parallel: wholeNumber(1).optional().describe("At most this many steps at once; default: every step that is ready"),
      steps: z
        .record(stepName, stepSchema, expecting("a map of steps by name"))
        .refine((steps) => Object.keys(steps).length > 0, { error: "a workflow needs at least one step" })
        // Required, but checked by the reader (workflow.ts): a mistake inside one step must not hide the others.
        .optional()
        .meta({ minProperties: 1 })
        .describe("The steps by name; each runs once everything it depends_on has succeeded"),
    },
    expecting("a map with `steps` and optionally a trigger, timezone, concurrency, catch_up, deadline, max_parallel"),
  )
  .describe("A DAG of steps (no trigger: manual only, `orchestrate trigger NAME`)");

const history = z
  .strictObject(
    {
      keep_runs: wholeNumber(1).optional().describe("Runs kept per task; default 1000"),
      keep_days: wholeNumber(1).optional().describe("Days runs are kept; default 90"),
      output_limit: unionOf("a size like 64KiB, 1MB or a number of bytes", (m) => [
        z.string(m).regex(new RegExp(SIZE_PATTERN)),
        z.number(m).int().nonnegative(),
      ])
        .optional()
        .describe("Output kept per invocation (the tail); default 64KiB"),
    },
    expecting("a map like { keep_runs: 1000, keep_days: 90 }"),
  )
  .describe("How much run history the state store keeps");

export const configSchema = z
  .strictObject(
    {
      version: z.literal(1, expecting("1")).optional().describe("The file format version: 1"),
      state: path("a file path or a postgres:// URL")
        .optional()
        .describe("SQLite file (relative to the config file; default .orchestrate/state.db) or a postgres:// URL"),
      defaults: taskSchema.optional().describe("Any task field, applied to every task; a task's own value wins, env maps are merged"),
      tasks: z.record(taskName, taskSchema, expecting("a map of tasks by name")).optional().describe("Tasks by name"),
      workflows: z
        .record(taskName, workflowSchema, expecting("a map of workflows by name"))
        .optional()
        .describe("Workflows by name; tasks and workflows share one namespace"),
      history: history.optional(),
      notify: notifyList.optional().describe("Where every run's events go: webhooks, commands, heartbeats"),
      api: z
        .strictObject(
          {
            listen: text("HOST:PORT like 127.0.0.1:7070")
              .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[^:\s]+):\d{1,5}$/, { error: (issue) => `expected HOST:PORT like 127.0.0.1:7070, got ${showValue(issue.input)}` })
              .describe("Where the REST API, metrics, event stream and dashboard listen"),
            token_env: z
              .string(expecting("an environment variable name"))
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
              .optional()
              .describe("The variable holding the bearer token every request then needs"),
          },
          expecting("a map like { listen: 127.0.0.1:7070 }"),
        )
        .optional()
        .describe("The REST API (/v1/...), /metrics, /healthz, the event stream and the dashboard"),
    },
    expecting("a map with `tasks` and/or `workflows`, and optionally version, state, defaults, history"),
  )
  .meta({ title: "orchestrate configuration (orchestration.yaml)" })
  .describe("Scripts run on a schedule, with retries and a record of every run");

export type RawConfig = z.infer<typeof configSchema>;
export type RawTask = z.infer<typeof taskSchema>;
export type RawParams = z.infer<typeof params>;
export type RawScalar = z.infer<typeof scalar>;
export type RawScript = z.infer<typeof script>;
export type RawRepeat = z.infer<typeof repeat>;
export type RawSkipRule = z.infer<typeof skipRule>;
export type RawHttp = z.infer<typeof http>;
export type RawHistory = z.infer<typeof history>;
export type RawWorkflow = z.infer<typeof workflowSchema>;
export type RawNotify = z.infer<typeof notifyEntry>;
export type RawStep = z.infer<typeof stepSchema>;
