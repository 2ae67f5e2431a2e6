/**
 * `orchestrate why TASK [--at TIME]`: cron's oldest question, "why didn't my job run?", answered
 * for the fire due at (or last before) a time. Which fire that is comes from the daemon's own
 * schedule code; what became of it comes from the store's records of the task (the run, the skip
 * record whose streak covers it, the missed gap it fell in) and from the journal's record of when
 * the daemon started and stopped. Nothing here is a guess: where the records say nothing, the
 * answer says so, and says what the store does know.
 */
import type { TaskSpec, WorkflowSpec } from "../config/model.js";
import { skippedAhead } from "../run/skip.js";
import { collectSlots } from "../schedule/slots.js";
import { nextFireAfter } from "../schedule/trigger.js";
import type { RunStore } from "../store/contract.js";
import type { JournalEvent, RunRecord } from "../store/types.js";
import { formatDuration } from "../time/duration.js";
import { readRecord, type ReadRecord } from "./skip-records.js";

export type WhyVerdict =
  /** The fire became a run, which finished (any status). */
  | "ran"
  /** The fire's run is still going. */
  | "running"
  /** The daemon was down when it was due; a catch-up run stood for it. */
  | "caught_up"
  /** A skip condition (weekday, date, command, file, variable) said not this time. */
  | "skipped"
  | "paused"
  /** `concurrency: forbid` kept it out: a run of the task was still going. */
  | "blocked"
  /** `concurrency: queue` was full. */
  | "queue_full"
  /** Queued behind a running run, and the daemon stopped before its turn. */
  | "stopped"
  /** The daemon was down, or the clock jumped, and catch_up did not run it. */
  | "missed"
  /** Waiting behind a run of the task that is still going (`concurrency: queue`). */
  | "queued"
  /** In the future. */
  | "not_due"
  /** The store holds nothing about it: the daemon has not been up since, or the records are gone. */
  | "not_recorded"
  /** The schedule never called for a fire at or before the time. */
  | "not_scheduled"
  /** The task has no schedule at all: it runs when triggered. */
  | "no_schedule";

export interface WhyAnswer {
  task: string;
  /** The time asked about (ISO 8601 UTC). */
  askedAt: string;
  timezone: string;
  /** The fire the answer is about: due at the time asked, or last before it. */
  fire: string | null;
  /** Whether the schedule called for a fire exactly at the time asked. */
  dueAtAsked: boolean;
  /** The schedule's nearest fires either side of the time asked. */
  previousFire: string | null;
  nextFire: string | null;
  verdict: WhyVerdict;
  /** The record the answer comes from (a run, a skip record, a missed gap). */
  run: RunRecord | null;
  /** The answer in one sentence, then what else the records say. */
  answer: string;
  details: string[];
}

export interface WhyOptions {
  store: RunStore;
  nowMs: number;
  /** The time was asked for (--at): say so when the schedule had no fire exactly then. */
  exact?: boolean;
  /** How a time is written in the answer (the CLI: wall time in the task's zone). */
  formatTime?: (ms: number) => string;
}

/** The journal events that say when the daemon was up. */
const LIFECYCLE = ["daemon.started", "daemon.stopping"];
/** The records of a task `why` reads at most, newest first (pages of the task's history). */
const MAX_RECORDS = 200_000;
const PAGE = 1000;

export async function whyFire(job: TaskSpec | WorkflowSpec, atMs: number, options: WhyOptions): Promise<WhyAnswer> {
  const { store, nowMs } = options;
  const time = options.formatTime ?? ((ms: number) => new Date(ms).toISOString());
  const base = { task: job.name, askedAt: new Date(atMs).toISOString(), timezone: job.timezone };
  const answer = (fields: Omit<WhyAnswer, keyof typeof base>): WhyAnswer => ({ ...base, ...fields });
  const lifecycle = await readLifecycle(store);
  const trigger = job.trigger;

  if (trigger === null) {
    const [last] = await store.history({ task: job.name, limit: 1 });
    return answer({
      fire: null,
      dueAtAsked: false,
      previousFire: null,
      nextFire: null,
      verdict: "no_schedule",
      run: last ?? null,
      answer: `${job.name} has no schedule: it runs only when triggered (orchestrate trigger ${job.name}).`,
      details: last ? [`its last run was run ${last.id} (${last.trigger}), ${describeRun(last, time)}`] : [],
    });
  }

  const records = new TaskRecords(store, job.name);
  const { previous, next } = await firesAround(job, atMs, lifecycle, records);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const dueAtAsked = previous === atMs;
  const around = { previousFire: iso(previous), nextFire: iso(next) };

  if (previous === null) {
    const when = next === null ? "and has no fire after it either" : `; its first fire after it is ${time(next)}`;
    return answer({
      fire: null,
      dueAtAsked: false,
      ...around,
      verdict: "not_scheduled",
      run: null,
      answer: `The schedule of ${job.name} (${describeSchedule(job)}) called for no fire at or before ${time(atMs)}${when}.`,
      details: [],
    });
  }

  const intro = dueAtAsked || !options.exact
    ? []
    : [`The schedule of ${job.name} (${describeSchedule(job)}) did not call for a fire at ${time(atMs)}: its nearest fires are ${time(previous)} before${next === null ? "" : ` and ${time(next)} after`}. About the one before:`];
  const explained = await explain(job, previous, nowMs, records, lifecycle, time);
  return answer({
    fire: new Date(previous).toISOString(),
    dueAtAsked,
    ...around,
    verdict: explained.verdict,
    run: explained.run,
    answer: [...intro, explained.answer].join("\n"),
    details: explained.details,
  });
}

interface Explained {
  verdict: WhyVerdict;
  run: RunRecord | null;
  answer: string;
  details: string[];
}

async function explain(job: TaskSpec | WorkflowSpec, slot: number, nowMs: number, records: TaskRecords, lifecycle: Lifecycle, time: (ms: number) => string): Promise<Explained> {
  const fire = `The fire of ${time(slot)}`;
  if (slot > nowMs) {
    const skip = skippedAhead(job.skip, new Date(slot), job.timezone);
    return {
      verdict: "not_due",
      run: null,
      answer: `${fire} is not due yet${skip ? `, and will be skipped: ${skip}` : ""}.`,
      details: [],
    };
  }

  const { covering, after } = await records.around(slot);
  if (covering) {
    const read = readRecord(covering.status, covering.reason, covering.scheduledAt);
    const exact = Date.parse(covering.scheduledAt ?? "") === slot;
    if (read && read.fromMs <= slot && slot <= read.toMs) return fromSkipOrMiss(fire, covering, read, records, lifecycle, time);
    if (exact && covering.status === "running") {
      return { verdict: "running", run: covering, answer: `${fire} is running now: run ${covering.id}, started ${time(Date.parse(covering.startedAt!))}.`, details: [] };
    }
    if (exact && covering.trigger === "catch_up") {
      return {
        verdict: "caught_up",
        run: covering,
        answer: `${fire} was caught up late, after the daemon had been down: run ${covering.id} ${describeRun(covering, time)}.`,
        details: [],
      };
    }
    if (exact) return { verdict: "ran", run: covering, answer: `${fire} ran: run ${covering.id} ${describeRun(covering, time)}.`, details: [] };
  }

  // No record of its own: a catch-up run after it may stand for it (catch_up: latest runs once for many).
  if (after && after.trigger === "catch_up") {
    return {
      verdict: "caught_up",
      run: after,
      answer: `${fire} came due while the daemon was down; catch-up run ${after.id} (for the fire of ${time(Date.parse(after.scheduledAt!))}) stood for it and ${describeRun(after, time)}.`,
      details: [`catch_up: ${job.catchUp} runs the missed fires of the last ${formatDuration(job.catchUpWindowMs)} once, not once each`],
    };
  }
  if (covering && covering.status === "running" && job.concurrency === "queue") {
    return {
      verdict: "queued",
      run: covering,
      answer: `${fire} is queued behind run ${covering.id}, still running (concurrency: queue); it starts when that run ends.`,
      details: [],
    };
  }
  const details: string[] = [];
  const up = lifecycle.upAt(slot);
  const startedAfter = lifecycle.started.find((ms) => ms >= slot) ?? null;
  const oldest = await records.oldest();
  const oldestMs = oldest === null ? null : Date.parse(oldest.scheduledAt ?? oldest.finishedAt ?? "");
  const firstKnown = Math.min(lifecycle.started[0] ?? Infinity, oldestMs ?? Infinity);
  if (firstKnown > slot) {
    details.push(
      firstKnown === Infinity
        ? "the store has no record of the daemon or of this task: has `orchestrate run` used this state?"
        : `the store knows nothing from before ${time(firstKnown)}: orchestrate was not running with this state then, or those records were pruned (history: keep_runs, keep_days)`,
    );
  } else if (up === false && startedAfter === null) {
    details.push(`the daemon stopped at ${time(lifecycle.lastStopBefore(slot)!)} and has not started since; its next start records the gap as missed or catches it up (catch_up: ${job.catchUp})`);
  } else if (up === false) {
    details.push(`the daemon was down from ${time(lifecycle.lastStopBefore(slot)!)} to ${time(startedAfter!)}, and recorded no gap for ${job.name}: the task was not in its configuration then`);
  } else if (nowMs - slot < 60_000) {
    details.push("it came due less than a minute ago: the daemon may still be handling it");
  } else {
    details.push(`${job.name} was not in the daemon's configuration then (added later, or renamed), or the daemon was not running: its records around it are of other fires`);
  }
  const skip = skippedAhead(job.skip, new Date(slot), job.timezone);
  if (skip) details.push(`its skip rules would have skipped it anyway: ${skip}`);
  return { verdict: "not_recorded", run: null, answer: `${fire} left no record in the store.`, details };
}

function fromSkipOrMiss(fire: string, record: RunRecord, read: ReadRecord, records: TaskRecords, lifecycle: Lifecycle, time: (ms: number) => string): Explained {
  const streak = read.count > 1 ? [`one record (run ${record.id}) covers ${read.count} fires in a row skipped for this reason, from ${time(read.fromMs)} to ${time(read.toMs)}`] : [];
  switch (read.cause) {
    case "paused":
      return { verdict: "paused", run: record, answer: `${fire} was skipped: the task was paused (orchestrate resume ${record.task} lets it fire again).`, details: streak };
    case "forbid":
    case "queue_full": {
      const blocking = read.blockingRunId;
      const full = read.cause === "queue_full" ? "its queue was full and " : "";
      const what = blocking === null ? "the previous fire was still judging its skip conditions" : `run ${blocking} was still running`;
      return {
        verdict: read.cause === "forbid" ? "blocked" : "queue_full",
        run: record,
        answer: `${fire} was skipped: ${full}${what} (concurrency: ${read.cause === "forbid" ? "forbid" : "queue"}).`,
        details: [...(blocking === null ? [] : [`see orchestrate show ${blocking}`]), ...streak],
      };
    }
    case "stopped":
      return { verdict: "stopped", run: record, answer: `${fire} waited in the queue and the daemon stopped before its turn.`, details: streak };
    case "condition":
      return { verdict: "skipped", run: record, answer: `${fire} was skipped: ${read.reason}.`, details: streak };
    case "missed": {
      const recordedAt = Date.parse(record.finishedAt ?? "");
      const details = [`one record (run ${record.id}) covers the ${read.count} fire(s) from ${time(read.fromMs)} to ${time(read.toMs)}`];
      const startedToRecord = lifecycle.started.filter((ms) => ms > read.fromMs && ms <= recordedAt + 1000).pop();
      let answer: string;
      if (startedToRecord !== undefined) {
        const stopped = lifecycle.lastStopBefore(read.fromMs);
        const down = stopped === null ? `was down (it had stopped, or crashed, before ${time(read.fromMs)})` : `was down from ${time(stopped)}`;
        answer = `${fire} was missed: the daemon ${down} to ${time(startedToRecord)}, and catch_up did not run it.`;
      } else {
        answer = `${fire} was missed: the daemon was up, but its clock jumped forward (or the machine slept) over it, and catch_up did not run it.`;
      }
      return { verdict: "missed", run: record, answer, details: [...details, `catch_up: latest or all (within catch_up_window) would have run it late`] };
    }
  }
}

function describeRun(run: RunRecord, time: (ms: number) => string): string {
  const started = run.startedAt ? Date.parse(run.startedAt) : null;
  const finished = run.finishedAt ? Date.parse(run.finishedAt) : null;
  const parts: string[] = [run.status];
  if (started !== null) parts.push(`started ${time(started)}`);
  if (started !== null && finished !== null) parts.push(`took ${formatDuration(finished - started)}`);
  if (run.exitCode !== null) parts.push(`exit code ${run.exitCode}`);
  if (run.error) parts.push(run.error);
  return parts.join(", ");
}

function describeSchedule(job: TaskSpec | WorkflowSpec): string {
  const trigger = job.trigger!;
  switch (trigger.kind) {
    case "cron":
      return `cron "${trigger.expression}" in ${job.timezone}`;
    case "every":
      return `every ${formatDuration(trigger.intervalMs)}`;
    case "at":
      return `once, at ${new Date(trigger.atMs).toISOString()}`;
    case "delay":
      return `${formatDuration(trigger.delayMs)} after each start of the daemon`;
    case "reboot":
      return "@reboot: once at each start of the daemon";
  }
}

/** The fires of the schedule nearest a time: the one at or last before it, and the first after. */
async function firesAround(job: TaskSpec | WorkflowSpec, atMs: number, lifecycle: Lifecycle, records: TaskRecords): Promise<{ previous: number | null; next: number | null }> {
  const trigger = job.trigger!;
  switch (trigger.kind) {
    case "cron": {
      // Look back a minute, then sixteen times further each time, up to ten years: the last slot at or before.
      let previous: number | null = null;
      for (let back = 60_000; previous === null && back <= 3660 * 86_400_000; back *= 16) {
        previous = collectSlots(trigger, job.timezone, atMs, atMs - back, atMs, 1).last;
      }
      return { previous, next: nextFireAfter(trigger, job.timezone, atMs, atMs) };
    }
    case "at":
      return trigger.atMs <= atMs ? { previous: trigger.atMs, next: null } : { previous: null, next: trigger.atMs };
    case "reboot":
    case "delay": {
      // Once per daemon start: fires come from the starts the journal recorded.
      const delay = trigger.kind === "delay" ? trigger.delayMs : 0;
      const fires = lifecycle.started.map((ms) => ms + delay);
      return { previous: fires.filter((ms) => ms <= atMs).pop() ?? null, next: fires.find((ms) => ms > atMs) ?? null };
    }
    case "every": {
      // Its rhythm is anchored where the daemon first started it and continues across restarts: the
      // slots the store recorded are the rhythm. The newest at or before the time anchors the rest.
      const { covering, after } = await records.around(atMs);
      if (!covering) return { previous: null, next: after ? Date.parse(after.scheduledAt!) : null };
      const read = readRecord(covering.status, covering.reason, covering.scheduledAt);
      const anchor = read && read.toMs <= atMs ? read.toMs : Date.parse(covering.scheduledAt!);
      const previous = anchor + Math.floor((atMs - anchor) / trigger.intervalMs) * trigger.intervalMs;
      return { previous, next: previous + trigger.intervalMs };
    }
  }
}

interface Lifecycle {
  /** When the daemon started, oldest first (ms). */
  started: number[];
  /** Whether the daemon was up at a time, as far as the journal knows (null: it does not). */
  upAt(ms: number): boolean | null;
  lastStopBefore(ms: number): number | null;
}

async function readLifecycle(store: RunStore): Promise<Lifecycle> {
  const events: JournalEvent[] = [];
  for (let afterSeq = 0; ; ) {
    const page = await store.readEvents({ afterSeq, types: LIFECYCLE, limit: 10_000 });
    events.push(...page);
    if (page.length < 10_000) break;
    afterSeq = page[page.length - 1]!.seq;
  }
  const marks = events.map((e) => ({ up: e.type === "daemon.started", ms: Date.parse(e.at) })).sort((a, b) => a.ms - b.ms);
  return {
    started: marks.filter((m) => m.up).map((m) => m.ms),
    upAt: (ms) => {
      const last = marks.filter((m) => m.ms <= ms).pop();
      return last === undefined ? null : last.up;
    },
    lastStopBefore: (ms) => marks.filter((m) => !m.up && m.ms <= ms).pop()?.ms ?? null,
  };
}

/**
 * A task's scheduled records, read newest first from its history. Records are created in the order
 * of their slots (a streak or a missed gap under its first slot), so the newest-created record
 * with a slot at or before a time is the one that covers it, if any does.
 */
class TaskRecords {
  private readonly seen: RunRecord[] = [];
  private exhausted = false;

  constructor(
    private readonly store: RunStore,
    private readonly task: string,
  ) {}

  /** The newest record with a slot at or before `ms`, and the first one after it (by creation). */
  async around(ms: number): Promise<{ covering: RunRecord | null; after: RunRecord | null }> {
    let after: RunRecord | null = null;
    for (let i = 0; ; i++) {
      if (i >= this.seen.length && !(await this.more())) return { covering: null, after };
      const record = this.seen[i]!;
      if (record.trigger !== "schedule" && record.trigger !== "catch_up") continue;
      if (Date.parse(record.scheduledAt ?? "") <= ms) return { covering: record, after };
      after = record;
    }
  }

  async oldest(): Promise<RunRecord | null> {
    while (await this.more());
    return this.seen[this.seen.length - 1] ?? null;
  }

  private async more(): Promise<boolean> {
    if (this.exhausted || this.seen.length >= MAX_RECORDS) return false;
    const before = this.seen[this.seen.length - 1]?.id;
    const page = await this.store.history({ task: this.task, limit: PAGE, ...(before !== undefined && { before }) });
    this.seen.push(...page);
    if (page.length < PAGE) this.exhausted = true;
    return page.length > 0;
  }
}
