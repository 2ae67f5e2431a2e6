/**
 * The spawn-throughput baseline: at AT_MS (wall clock), start COUNT children at once and reap them.
 *   node spawn-burst.mjs KIND COUNT AT_MS
 * KIND: true (`/bin/true`), bash (`bash -c /bin/true`, the process tree orchestrate runs for
 * `command: /bin/true`). Output goes to pipes, as for a runner that keeps it; stdin is /dev/null, as
 * orchestrate gives scripts (a socket on stdin makes bash read ~/.bashrc, thinking rshd started it).
 * Prints "done DONE_MS" when the last child has exited.
 */
import { spawn } from "node:child_process";

const [kind, countArg, atArg] = process.argv.slice(2);
const count = Number(countArg);
const at = Number(atArg);
const [file, args] = kind === "bash" ? ["bash", ["-c", "/bin/true"]] : ["/bin/true", []];

console.log("ready");
setTimeout(() => {
  let finished = 0;
  let failed = 0;
  const errors = new Set();
  for (let i = 0; i < count; i++) {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    // A failed spawn emits 'error' and may never emit 'exit': each child counts once, either way.
    let counted = false;
    const finish = (ok, why) => {
      if (counted) return;
      counted = true;
      if (!ok) {
        failed++;
        errors.add(why);
      }
      if (++finished === count) console.log(`done ${Date.now()} failed ${failed}${errors.size ? ` (${[...errors].join(", ")})` : ""}`);
    };
    child.on("error", (error) => finish(false, error.code ?? error.message));
    child.on("exit", (code, signal) => finish(code === 0, `exit ${code ?? signal}`));
  }
}, at - Date.now());
