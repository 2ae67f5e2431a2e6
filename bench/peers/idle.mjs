/**
 * A peer holding many schedules and doing nothing else:
 *   node idle.mjs KIND EXPRESSIONS_JSON
 * KIND: croner (one live Cron per job, as its README shows), node-cron, cron. Prints
 * "armed N" once every job is registered, then idles until killed. The jobs' callbacks do nothing:
 * the expressions are chosen not to come due while we measure.
 */
import { readFileSync } from "node:fs";

const [kind, file] = process.argv.slice(2);
const expressions = JSON.parse(readFileSync(file, "utf8"));
const noop = () => {};

const register = {
  async croner() {
    const { Cron } = await import("croner");
    return expressions.map((e) => new Cron(e, noop));
  },
  async "node-cron"() {
    const cron = (await import("node-cron")).default;
    return expressions.map((e) => cron.schedule(e, noop));
  },
  async cron() {
    const { CronJob } = await import("cron");
    return expressions.map((e) => CronJob.from({ cronTime: e, onTick: noop, start: true }));
  },
};

if (!register[kind]) {
  console.error(`unknown kind ${kind}: use ${Object.keys(register).join(", ")}`);
  process.exit(2);
}
const jobs = await register[kind]();
console.log(`armed ${jobs.length}`);
// The jobs' own timers keep the process alive; this only makes sure of it.
setInterval(noop, 2 ** 30);
