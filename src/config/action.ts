/** A task's action: exactly one of scripts/repeat (together), command, or http. */
import { resolve } from "node:path";
import { requirePath, type ReadContext } from "./context.js";
import { parseDuration } from "../time/duration.js";
import type { Path } from "./locate.js";
import { DEFAULT_HTTP_TIMEOUT_MS, type Action, type HttpSpec, type ParamList, type RepeatSpec, type ScriptSpec } from "./model.js";
import { countWord, listOfKeys } from "./problems.js";
import type { RawHttp, RawParams, RawRepeat, RawScalar, RawScript } from "./schema.js";
import { ACTION_KEYS, writtenInOrder, type TaskFields } from "./task-fields.js";
import { splitCredentials } from "./http-url.js";
import { checkTemplate } from "./templates.js";

const STEP_REFERENCE = /\{\{\s*steps\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.[A-Za-z0-9_]+\s*\}\}/g;

/** `{{ steps.STEP.KEY }}` may name only a step that runs before this one (in a task: none). */
function stepReferenceProblems(value: string, inScope: ReadonlySet<string> | undefined): string[] {
  const problems: string[] = [];
  for (const [, step] of value.matchAll(STEP_REFERENCE)) {
    if (!inScope) problems.push("`{{ steps.… }}` is only available in workflow steps, not in tasks");
    else if (!inScope.has(step!)) {
      const choices = [...inScope];
      problems.push(
        `\`{{ steps.${step}.… }}\` names a step that does not run before this one: ${choices.length ? `use one it depends on (${choices.join(", ")})` : "add it to depends_on first"}`,
      );
    }
  }
  return problems;
}

const groupOf = (key: (typeof ACTION_KEYS)[number]) => (key === "scripts" || key === "repeat" ? "scripts/repeat" : key);

export function readAction(fields: TaskFields, ctx: ReadContext): Action {
  const written = writtenInOrder(ACTION_KEYS.filter((key) => fields.has(key)), fields, ctx);
  const groups = [...new Set(written.map(groupOf))];
  if (groups.length === 0) {
    ctx.problems.at(fields.at, "nothing to run: give `scripts` (and/or `repeat`), `command` or `http`", "key", fields.at);
  } else if (groups.length > 1) {
    const second = written.find((key) => groupOf(key) === groups[1])!;
    const message = `${countWord(groups.length)} actions on one task (${listOfKeys(groups)}): a task runs scripts/repeat, a command or an http request`;
    ctx.problems.at(fields.pathOf(second), message, "key");
  }

  const { scripts, repeat, command, http } = fields.values;
  if (command !== undefined) {
    checkCommandType(fields, ctx);
    return { kind: "command", command: command.replace(/\n+$/, "") };
  }
  if (http !== undefined) return { kind: "http", http: readHttp(http, fields.pathOf("http"), ctx) };
  return {
    kind: "scripts",
    scripts: (scripts ?? []).map((s, i) => readScript(s, [...fields.pathOf("scripts"), i], ctx)),
    repeat: (repeat ?? []).map((r, i) => readRepeat(r, [...fields.pathOf("repeat"), i], ctx)),
  };
}

/**
 * `command:` always runs with bash -c: a task that asks for another interpreter beside it would
 * validate and then run its line under bash. A `type` from defaults is for other tasks' scripts.
 */
function checkCommandType(fields: TaskFields, ctx: ReadContext): void {
  const type = fields.values.type;
  const own = fields.pathOf("type")[0] === "tasks";
  if (own && type !== undefined && type !== "bash") {
    const message = `\`type: ${type}\` does not apply to \`command\`, which always runs with bash -c; remove \`type\`, or put the code in a script under \`scripts\``;
    ctx.problems.at(fields.pathOf("type"), message);
  }
}

function readScript(script: RawScript, path: Path, ctx: ReadContext): ScriptSpec {
  const absolute = resolve(ctx.dir, script.path);
  requirePath(ctx, [...path, "path"], absolute, "file", "script");
  return { path: absolute, displayPath: script.path, params: readParams(script.params ?? {}, [...path, "params"], ctx), templated: true };
}

function readRepeat(repeat: RawRepeat, path: Path, ctx: ReadContext): RepeatSpec {
  const absolute = resolve(ctx.dir, repeat.path);
  requirePath(ctx, [...path, "path"], absolute, "file", "script");
  if (repeat.params !== undefined && repeat.params_from !== undefined) {
    ctx.problems.at([...path, "params_from"], "give either `params` or `params_from`, not both", "key");
  } else if (repeat.params === undefined && repeat.params_from === undefined) {
    ctx.problems.at(path, "missing `params` (a list of parameter sets) or `params_from` (a program that prints them as JSON)");
  }
  let paramsFrom: string | null = null;
  if (repeat.params_from !== undefined) {
    paramsFrom = resolve(ctx.dir, repeat.params_from);
    requirePath(ctx, [...path, "params_from"], paramsFrom, "file", "params_from program");
  }
  const paramSets = repeat.params?.map((set, i) => readParams(set, [...path, "params", i], ctx)) ?? null;
  return { path: absolute, displayPath: repeat.path, paramSets, paramsFrom };
}

/** In the order written: the order is the argv a script gets (SPEC §4). */
function readParams(params: RawParams, path: Path, ctx: ReadContext): ParamList {
  const written = ctx.locator.keysInOrder(path) ?? [];
  const keys = [...new Set([...written.filter((key) => key in params), ...Object.keys(params)])];
  return keys.map((key) => {
    const value = scalarText(params[key]!, [...path, key], ctx);
    for (const problem of checkTemplate(value)) ctx.problems.at([...path, key], problem);
    for (const problem of stepReferenceProblems(value, ctx.stepsInScope)) ctx.problems.at([...path, key], problem);
    return [key, value];
  });
}

/** Numbers and booleans as written in the file (`08080` stays `08080`), strings as they are. */
export function scalarText(value: RawScalar, path: Path, ctx: ReadContext): string {
  return typeof value === "string" ? value : (ctx.locator.sourceText(path) ?? String(value));
}

function readHttp(http: RawHttp, path: Path, ctx: ReadContext): HttpSpec {
  const headers = Object.fromEntries(
    Object.entries(http.headers ?? {}).map(([name, value]) => [name, scalarText(value, [...path, "headers", name], ctx)]),
  );
  // fetch refuses credentials in a URL: they become Basic auth, as curl sends them.
  const { url, authorization } = splitCredentials(http.url);
  if (authorization !== null) {
    if (Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) {
      ctx.problems.at([...path, "url"], "the URL holds credentials and `headers` an Authorization too: keep one");
    }
    headers.Authorization = authorization;
  }
  const expect = http.expect === undefined ? ["2xx"] : [http.expect].flat().map((status) => String(status).toLowerCase());
  const method = (http.method ?? "GET").toUpperCase();
  // fetch refuses to send one, so without this check the task would fail at every run instead.
  if (http.body !== undefined && (method === "GET" || method === "HEAD")) {
    ctx.problems.at([...path, "body"], `a ${method} request cannot have a body: set \`method\` (POST, PUT, PATCH, …) or remove \`body\``, "key", [...path, "body"]);
  }
  return {
    url,
    method,
    headers,
    body: http.body ?? null,
    timeoutMs: http.timeout === undefined ? DEFAULT_HTTP_TIMEOUT_MS : parseDuration(http.timeout)!,
    expect,
  };
}
