/**
 * What people use instead of orchestrate, firing the fire-lag script every second for N tasks:
 *   node fire-lag.mjs KIND TASKS SCRIPT
 * KIND: raw (setTimeout to the instant + child_process.spawn), croner-execa, node-cron, cron.
 * Each fire starts `sh SCRIPT` with ORCHESTRATE_TASK and ORCHESTRATE_SCHEDULED_AT set, as
 * orchestrate does; LAG_FILE comes from our environment.
 */
import { spawn } from "node:child_process";

const [kind, tasksArg, script] = process.argv.slice(2);
const tasks = Number(tasksArg);
const EVERY_SECOND = "* * * * * *";

function launch(task, slotMs) {
  const env = { ...process.env, ORCHESTRATE_TASK: `t${task}`, ORCHESTRATE_SCHEDULED_AT: new Date(slotMs).toISOString() };
  return { file: "sh", args: [script], env };
}

/** The slot a library's callback stands for: it fires within a few ms after the second, or just before it. */
const nearestSecond = () => Math.round(Date.now() / 1000) * 1000;

function spawnScript(task, slotMs) {
  const { file, args, env } = launch(task, slotMs);
  const child = spawn(file, args, { env, stdio: "ignore" });
  child.on("error", (error) => console.error(error.message));
}

const starters = {
  raw() {
    for (let i = 0; i < tasks; i++) {
      let last = 0;
      const arm = () => {
        const slot = Math.max(last + 1000, Math.floor(Date.now() / 1000) * 1000 + 1000);
        last = slot;
        setTimeout(() => {
          spawnScript(i, slot);
          arm();
        }, slot - Date.now());
      };
      arm();
    }
  },
  async "croner-execa"() {
    const { Cron } = await import("croner");
    const { execa } = await import("execa");
    for (let i = 0; i < tasks; i++) {
      new Cron(EVERY_SECOND, () => {
        const { file, args, env } = launch(i, nearestSecond());
        execa(file, args, { env, extendEnv: false, reject: false });
      });
    }
  },
  async "node-cron"() {
    const cron = (await import("node-cron")).default;
    for (let i = 0; i < tasks; i++) cron.schedule(EVERY_SECOND, () => spawnScript(i, nearestSecond()));
  },
  async cron() {
    const { CronJob } = await import("cron");
    for (let i = 0; i < tasks; i++) CronJob.from({ cronTime: EVERY_SECOND, onTick: () => spawnScript(i, nearestSecond()), start: true });
  },
};

if (!starters[kind]) {
  console.error(`unknown kind ${kind}: use ${Object.keys(starters).join(", ")}`);
  process.exit(2);
}
await starters[kind]();
console.log(`ready: ${kind} with ${tasks} task(s)`);
