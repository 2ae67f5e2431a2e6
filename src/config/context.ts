import { statSync } from "node:fs";
import type { ProblemCollector } from "./issues.js";
import type { Path, YamlLocator } from "./locate.js";

/** What every reader of the raw config needs: where relative paths start, and where problems go. */
export interface ReadContext {
  /** The config file's folder. */
  dir: string;
  checkFiles: boolean;
  problems: ProblemCollector;
  locator: YamlLocator;
}

/** Reports a missing file (or folder) at the value that names it, when files are being checked. */
export function requirePath(ctx: ReadContext, path: Path, absolute: string, kind: "file" | "folder", what: string): void {
  if (!ctx.checkFiles) return;
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!stat) ctx.problems.at(path, `${what} not found: ${absolute}`);
  else if (kind === "file" && !stat.isFile()) ctx.problems.at(path, `${what} is not a file: ${absolute}`);
  else if (kind === "folder" && !stat.isDirectory()) ctx.problems.at(path, `${what} is not a folder: ${absolute}`);
}
