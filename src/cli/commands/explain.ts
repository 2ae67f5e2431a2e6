import type { Command } from "commander";
import { isValidTimezone, systemTimezone } from "../../time/zones.js";
import { checkCronExpression, cronWarnings } from "../../schedule/cron.js";
import { describeCron } from "../../schedule/describe.js";
import { upcomingFires } from "../../schedule/trigger.js";
import { UserError } from "../context.js";
import { formatInZone, isoUtc, parseTimeOption } from "../format.js";
import { positiveInt } from "./options.js";

interface ExplainOptions {
  tz?: string;
  n: number;
  from?: string;
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command("explain <expression>")
    .description("a cron expression in words, its next fires, and dialect warnings")
    .option("--tz <zone>", "IANA timezone (default: the system's)")
    .option("-n <count>", "how many fires", positiveInt, 5)
    .option("--from <time>", "count from this time (ISO 8601) instead of now")
    .option("--json", "print {description, next, warnings}")
    .action((expression: string, options: ExplainOptions) => {
      const timezone = options.tz ?? systemTimezone();
      if (!isValidTimezone(timezone)) throw new UserError(`unknown timezone "${timezone}": use an IANA name such as Europe/Berlin`);
      const from = parseTimeOption(options.from, Date.now());
      if (from === null) throw new UserError(`--from "${options.from}" is not a time: use ISO 8601, e.g. 2026-03-28T12:00:00Z`, 2);
      // A year field is judged from --from: "2020" is ahead of 2019, whatever today is.
      const problem = checkCronExpression(expression, timezone, from);
      if (problem) throw new UserError(`"${expression}": ${problem}`);
      const next = expression === "@reboot" ? [] : upcomingFires({ kind: "cron", expression }, timezone, from, options.n, from);
      const description = describeCron(expression);
      const warnings = cronWarnings(expression);
      if (options.json) {
        process.stdout.write(JSON.stringify({ description, next: next.map((ms) => new Date(ms).toISOString()), warnings }, null, 2) + "\n");
        return;
      }
      const lines = [`${expression}: ${description} (${timezone})`, ...next.map((ms) => `  ${formatInZone(ms, timezone)}  (${isoUtc(ms)})`)];
      for (const warning of warnings) lines.push(`warning: ${warning}`);
      process.stdout.write(lines.join("\n") + "\n");
    });
}
