/**
 * Whether a `state:` path (or --state) can hold the SQLite store, checked before anything is made:
 * Node's recursive mkdir never returns under /proc, and a folder or /dev/null fails only later,
 * with SQLite's words. Checked by `validate`, and again by the store before it opens.
 */
import { realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** Kernel views that look like folders but hold no files of ours. */
const VIRTUAL = /^\/(proc|sys)(?:\/|$)/;

/** What is wrong with `file` as the store's SQLite file, or null; `file` is absolute. */
export function stateFileProblem(file: string): string | null {
  try {
    return problemOf(file);
  } catch (error) {
    return `cannot look at ${file}: ${(error as Error).message}`;
  }
}

function problemOf(file: string): string | null {
  let existing = file;
  let stat = statIfThere(existing);
  while (!stat) stat = statIfThere((existing = dirname(existing)));
  const mount = VIRTUAL.exec(realpathSync(existing))?.[1];
  if (mount) return `${file} is on /${mount}, a view of the kernel, not a disk: the state store needs a real folder`;
  if (existing === file) {
    if (stat.isDirectory()) return `${file} is a folder: name a file in it, e.g. ${join(file, "state.db")}`;
    if (!stat.isFile()) return `${file} is not a regular file (a device, pipe or socket): the state store is a SQLite file`;
  } else if (!stat.isDirectory()) {
    return `${existing} is not a folder, so ${file} cannot be made`;
  }
  return null;
}

/** A path that is not there, or runs through a file (ENOTDIR), is one to look above. */
function statIfThere(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}
