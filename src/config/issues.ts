/**
 * Turns schema issues into located problems, worded for someone editing YAML rather than for a
 * TypeScript programmer: "expected a list, got "x"", "unknown key `timezon`; did you mean `timezone`?".
 */
import type { z } from "zod";
import type { Locator, Path, Position } from "./locate.js";
import { showValue, type ConfigProblem } from "./problems.js";
import { closest } from "./suggest.js";

/** Where the readers of a config report what is wrong. */
export interface ProblemSink {
  /** A problem about the value (or key) at `path`. */
  at(path: Path, message: string, part?: "key" | "value", about?: Path): void;
  /** A problem at a position of the file itself (syntax). */
  report(position: Position, message: string): void;
}

/** Collects problems, each located in the file and prefixed with the path of what it is about. */
export class ProblemCollector implements ProblemSink {
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly file: string,
    private readonly locator: Locator,
  ) {}

  /**
   * A problem located at the value of `path` (or at its key), prefixed with what it is about: the
   * value itself (`tasks.backup.retries: expected …`) or, for a key, the map holding it
   * (`tasks.backup: unknown key …`).
   */
  at(path: Path, message: string, part: "key" | "value" = "value", about: Path = part === "key" ? path.slice(0, -1) : path): void {
    this.report(this.locator.position(path, part), about.length > 0 ? `${describePath(about)}: ${message}` : message);
  }

  report(position: Position, message: string): void {
    this.problems.push({ file: this.file, line: position.line, col: position.col, message });
  }
}

/** `tasks.backup.scripts[0].path`, the way people refer to a spot in a YAML file. */
export function describePath(path: Path): string {
  return path
    .map((segment, i) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (!/^[A-Za-z0-9_-]+$/.test(segment)) return `[${JSON.stringify(segment)}]`;
      return i === 0 ? segment : `.${segment}`;
    })
    .join("");
}

const NOUNS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map",
  record: "a map",
  array: "a list",
};

/** Wording for issues whose schema did not say what it expected (passed to safeParse as `error`). */
export function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${showValue(issue.input)}`;
    case "invalid_value": {
      const values = issue.values.map(String);
      const suggestion = typeof issue.input === "string" ? closest(issue.input, values) : null;
      const wanted = values.length === 1 ? values[0] : `one of ${values.join(", ")}`;
      return `expected ${wanted}, got ${showValue(issue.input)}${suggestion ? `; did you mean \`${suggestion}\`?` : ""}`;
    }
    case "too_small":
      return issue.origin === "array" || issue.origin === "string" ? "must not be empty" : `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
}

export interface IssueContext {
  problems: ProblemSink;
  locator: Locator;
  /** Valid keys of the map at a path, for suggestions. */
  keysAt(path: Path): string[];
  /** Wording for an unknown key at the top level (where the not-yet-supported sections live). */
  topLevelKey(key: string): string;
}

export function reportIssue(issue: z.core.$ZodIssue, ctx: IssueContext): void {
  const path = issue.path.map((segment) => (typeof segment === "number" ? segment : String(segment)));
  switch (issue.code) {
    case "unrecognized_keys":
      for (const key of issue.keys) {
        if (path.length === 0) {
          ctx.problems.report(ctx.locator.position([key], "key"), ctx.topLevelKey(key));
        } else {
          const suggestion = closest(key, ctx.keysAt(path));
          ctx.problems.at([...path, key], `unknown key \`${key}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ""}`, "key");
        }
      }
      return;
    case "invalid_key":
      ctx.problems.at(path, issue.issues[0]?.message ?? issue.message, "key");
      return;
    case "invalid_type":
      // A required key that is not there: point at the map that lacks it.
      if (issue.input === undefined && path.length > 0) {
        ctx.problems.at(path.slice(0, -1), `missing \`${path[path.length - 1]}\``);
        return;
      }
  }
  ctx.problems.at(path, issue.message);
}

/** Only what `keysAt` needs of zod's internal definitions: how each kind of schema nests. */
interface NestingDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
}

/** The keys a strict map at `path` allows, read from the schema so suggestions never drift from it. */
export function keysAt(schema: z.core.$ZodType, path: Path): string[] {
  let current: z.core.$ZodType | undefined = schema;
  let depth = 0;
  while (current) {
    const def = current._zod.def as unknown as NestingDef;
    if (def.innerType) {
      current = def.innerType;
      continue;
    }
    if (depth === path.length) return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
    if (def.type === "object") current = def.shape?.[String(path[depth])];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return [];
    depth++;
  }
  return [];
}
