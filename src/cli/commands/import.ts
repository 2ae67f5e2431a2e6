import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { importCrontab } from "../../config/crontab-import.js";
import { UserError } from "../context.js";

interface ImportOptions {
  system?: boolean;
}

export function registerImport(program: Command): void {
  const command = program.command("import").description("print an orchestration.yaml equivalent to another scheduler's file");
  command
    .command("crontab [file]")
    .description("a crontab (FILE, or - / nothing for stdin) as orchestration.yaml on stdout; what cannot be translated is warned about on stderr as FILE:LINE:COL")
    .option("--system", "system format, with a user column (the default for /etc/crontab and /etc/cron.d/*)")
    .action((file: string | undefined, options: ImportOptions) => {
      const fromStdin = file === undefined || file === "-";
      if (file === undefined && process.stdin.isTTY) throw new UserError("name a crontab FILE, or pipe one in: crontab -l | orchestrate import crontab -", 2);
      const path = fromStdin ? "-" : resolve(file);
      let text: string;
      try {
        text = readFileSync(fromStdin ? 0 : path, "utf8");
      } catch (error) {
        throw new UserError(`cannot read ${fromStdin ? "stdin" : path}: ${(error as Error).message}`);
      }
      const system = options.system ?? isSystemCrontab(path);
      const shown = fromStdin ? "<stdin>" : file;
      const result = importCrontab(text, { system, source: fromStdin ? "stdin" : path });
      for (const w of result.warnings) process.stderr.write(`${shown}:${w.line}:${w.col}: ${w.message}\n`);
      process.stdout.write(result.yaml);
    });
}

/** cron reads these with a user column (crontab(5), "the system crontab"). */
function isSystemCrontab(path: string): boolean {
  return path === "/etc/crontab" || path.startsWith("/etc/cron.d/");
}
