import { statSync } from "node:fs";
import type { ProblemSink } from "./issues.js";
import type { Locator, Path } from "./locate.js";

/** What every reader of the raw config needs: where relative paths start, and where problems go. */
export interface ReadContext {
  /** The config file's folder. */
  dir: string;
  checkFiles: boolean;
  /**
   * The tasks read will be run by this process (run, trigger): a `user:` it cannot switch to is a
   * problem. Off for validate (which warns) and for commands that only read the schedule.
   */
  runsTasks?: boolean;
  problems: ProblemSink;
  locator: Locator;
  /** In a workflow step: the steps before it, whose outputs `{{ steps.STEP.KEY }}` may name. */
  stepsInScope?: ReadonlySet<string>;
}

/** Reports a missing file (or folder) at the value that names it, when files are being checked. */
export function requirePath(ctx: ReadContext, path: Path, absolute: string, kind: "file" | "folder", what: string): void {
  if (!ctx.checkFiles) return;
  const problem = requireFile(absolute, kind, what);
  if (problem) ctx.problems.at(path, problem);
}

/** What is wrong with the file (or folder) at `absolute`, or null when it is there. */
export function requireFile(absolute: string, kind: "file" | "folder", what: string): string | null {
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!stat) return `${what} not found: ${absolute}`;
  if (kind === "file" && !stat.isFile()) return `${what} is not a file: ${absolute}`;
  if (kind === "folder" && !stat.isDirectory()) return `${what} is not a folder: ${absolute}`;
  return null;
}
