/** `orchestrate import crontab`: every corner of crontab(5), read the way Vixie (Debian) cron reads it. */
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { importCrontab, nameFromCommand, parseEnvironmentLine, splitPercent } from "../../src/config/crontab-import.js";

interface Imported {
  defaults: Record<string, unknown> & { env?: Record<string, string> };
  tasks: Record<string, { cron: string; command: string; user?: string; timezone?: string; env?: Record<string, string> }>;
}

function load(text: string, system = false) {
  const result = importCrontab(text, { system, source: "test" });
  return { ...result, config: parse(result.yaml) as Imported, messages: result.warnings.map((w) => `${w.line}:${w.col}: ${w.message}`) };
}

describe("comments, blank lines and leading blanks are what cron makes of them", () => {
  it("skips comments and blank lines, reads indented lines, and keeps a # inside a command", () => {
    const { config, messages } = load("# a comment\n\n   \n   # indented comment\n  */5 * * * * /usr/bin/backup.sh # not a comment\n\t0 1 * * * echo hi\r\n");
    expect(messages).toEqual([]);
    expect(config.tasks).toEqual({
      backup: { cron: "*/5 * * * *", command: "/usr/bin/backup.sh # not a comment" },
      job: { cron: "0 1 * * *", command: "echo hi" },
    });
  });

  it("writes each task's line from the crontab above it, so a reader can check the translation", () => {
    const { yaml } = load("# header\n15 2 * * * /opt/sync\n");
    expect(yaml).toMatch(/# line 2: 15 2 \* \* \* \/opt\/sync\n {2}sync:/);
  });

  it("an empty crontab is a config with no tasks", () => {
    expect(load("# nothing\n").config.tasks).toEqual({});
  });
});

describe("schedules: five fields kept as written, names, ranges, steps and lists", () => {
  it.each([
    ["*/5 * * * *"],
    ["0 9-17/2 * * mon-fri"],
    ["30 4 1,15 jan,JUL *"],
    ["0 0 * * 7"],
    ["0 0 * * SUN"],
    ["5-55/10 0-23 1-31 1-12 0-6"],
    ["09,39 * * * *"],
  ])("%s", (schedule) => {
    const { config, messages } = load(`${schedule} /bin/work\n`);
    expect(messages).toEqual([]);
    expect(config.tasks.work!.cron).toBe(schedule);
  });

  it.each([
    ["@yearly", "0 0 1 1 *"],
    ["@annually", "0 0 1 1 *"],
    ["@monthly", "0 0 1 * *"],
    ["@weekly", "0 0 * * 0"],
    ["@daily", "0 0 * * *"],
    ["@midnight", "0 0 * * *"],
    ["@hourly", "0 * * * *"],
    ["@reboot", "@reboot"],
  ])("the nickname %s becomes %s", (nickname, cron) => {
    const { config, messages } = load(`${nickname}   /usr/local/bin/job --now\n`);
    expect(messages).toEqual([]);
    expect(config.tasks.job).toEqual({ cron, command: "/usr/local/bin/job --now" });
  });

  it("keeps cron's AND when a day field starts with *: written with orchestrate's + and flagged", () => {
    const { config, messages } = load("0 0 */2 * mon /bin/odd-mondays\n0 0 1,15 * fri /bin/either\n");
    expect(config.tasks["odd-mondays"]!.cron).toBe("0 0 */2 * +mon");
    expect(config.tasks.either!.cron).toBe("0 0 1,15 * fri");
    expect(messages).toEqual([expect.stringMatching(/^1:1: day fields "\*\/2" and "mon": cron wants both to match .* "\+mon"/)]);
  });
});

describe("lines cron would refuse, or orchestrate could not run, are located warnings and left out", () => {
  it.each([
    ["60 * * * * x", /^1:1: minute field "60" is out of range 0-59; line left out$/],
    ["* 24 * * * x", /hour field "24" is out of range 0-23/],
    ["* * 0 * * x", /day-of-month field "0" is out of range 1-31/],
    ["* * * 13 * x", /month field "13" is out of range 1-12/],
    ["* * * * 8 x", /day-of-week field "8" is out of range 0-7/],
    ["* * * * foo x", /day-of-week field "foo" has "foo", which is not a number or a name/],
    ["* * jan * * x", /day-of-month field "jan" has "jan", which is not a number/],
    ["5/10 * * * * x", /minute field "5\/10" has a step after a single value/],
    ["*/0 * * * * x", /minute field "\*\/0" has a step of 0/],
    ["0 22-2 * * * x", /hour field "22-2" is a range that runs backwards/],
    ["0 0 L * * x", /croner's, not crontab\(5\)'s/],
    ["0 0 * * 5#2 x", /croner's, not crontab\(5\)'s/],
    ["0 0 30 2 * x", /"0 0 30 2 \*": .*never/],
    ["@every5m x", /unknown nickname "@every5m"/],
    ["@DAILY x", /unknown nickname "@DAILY"/],
    ["* * * * *", /^1:1: not a crontab line: expected a schedule/],
    ["garbage", /^1:1: not a crontab line/],
    ["0 0 * * * echo {{ x }}", /^1:11: the command contains \{\{/],
  ])("%s", (line, message) => {
    const { config, messages } = load(`${line}\n`);
    expect(config.tasks).toEqual({});
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it("the rest of the file is still imported, and each warning names its own line", () => {
    const { config, messages } = load("0 0 * * * /bin/a\n99 * * * * /bin/b\n\n  bad line\n0 1 * * * /bin/c\n");
    expect(Object.keys(config.tasks)).toEqual(["a", "c"]);
    expect(messages.map((m) => m.split(":").slice(0, 2).join(":"))).toEqual(["2:1", "4:3"]);
  });
});

describe("environment lines apply to the lines after them", () => {
  it("reads NAME=VALUE with blanks around = and quotes that keep blanks", () => {
    expect(parseEnvironmentLine("FOO=bar")).toEqual({ name: "FOO", value: "bar" });
    expect(parseEnvironmentLine("  FOO =  bar baz  ")).toEqual({ name: "FOO", value: "bar baz" });
    expect(parseEnvironmentLine(`GREETING="  hello  "`)).toEqual({ name: "GREETING", value: "  hello  " });
    expect(parseEnvironmentLine(`'MY VAR' = 'a "b"'`)).toEqual({ name: "MY VAR", value: 'a "b"' });
    expect(parseEnvironmentLine("EMPTY=")).toEqual({ name: "EMPTY", value: "" });
    expect(parseEnvironmentLine("* * * * * FOO=bar cmd")).toBeNull();
    expect(parseEnvironmentLine("@daily FOO=bar")).toBeNull();
  });

  it("PATH and other variables become env: of the tasks after them; shared by all, they go to defaults", () => {
    const shared = load("PATH=/usr/bin:/bin\n0 0 * * * /bin/a\n0 1 * * * /bin/b\n").config;
    expect(shared.defaults.env).toEqual({ PATH: "/usr/bin:/bin" });
    expect(shared.tasks.a!.env).toBeUndefined();

    const partly = load("A=1\n0 0 * * * /bin/a\nB=2\n0 1 * * * /bin/b\n").config;
    expect(partly.defaults.env).toEqual({ A: "1" });
    expect(partly.tasks.a!.env).toBeUndefined();
    expect(partly.tasks.b!.env).toEqual({ B: "2" });

    const changing = load("0 0 * * * /bin/a\nFOO=1\n0 1 * * * /bin/b\nFOO=2\nBAR=x y\n0 2 * * * /bin/c\n").config;
    expect(changing.defaults.env).toBeUndefined();
    expect(changing.tasks.a!.env).toBeUndefined();
    expect(changing.tasks.b!.env).toEqual({ FOO: "1" });
    expect(changing.tasks.c!.env).toEqual({ FOO: "2", BAR: "x y" });
  });

  it("CRON_TZ and TZ set the timezone of the lines after them (TZ is in their environment too); an unknown zone is a warning", () => {
    const { config, messages } = load("0 0 * * * /bin/a\nCRON_TZ=Asia/Tokyo\n0 9 * * * /bin/b\nTZ=Europe/Berlin\n0 9 * * * /bin/c\nCRON_TZ=Mars/Olympus\n0 9 * * * /bin/d\n");
    expect(config.tasks.a!.timezone).toBeUndefined();
    expect(config.tasks.b!.timezone).toBe("Asia/Tokyo");
    expect(config.tasks.c!.timezone).toBe("Europe/Berlin");
    expect(config.tasks.c!.env).toEqual({ TZ: "Europe/Berlin" });
    expect(config.tasks.d!.timezone).toBe("Europe/Berlin");
    expect(messages).toEqual([expect.stringMatching(/^6:1: CRON_TZ=Mars\/Olympus is not an IANA timezone/)]);
  });

  it("MAILTO becomes a comment with a notify: entry to copy, and a warning", () => {
    const { yaml, config, messages } = load("MAILTO=ops@example.com\n0 0 * * * /bin/a\n");
    expect(yaml).toMatch(/^# MAILTO=ops@example.com: .*\n(#.*\n)*# notify:\n# {3}- command: 'mail -s "orchestrate: a run failed" ops@example.com'\n# {5}events: \[failed\]/m);
    expect(config.defaults.env).toBeUndefined();
    expect(messages).toEqual([expect.stringMatching(/^1:1: MAILTO=ops@example.com: orchestrate mails nothing/)]);
  });

  it("SHELL=/bin/sh or bash is a comment; another shell wraps the commands after it, with a warning", () => {
    const sh = load("SHELL=/bin/sh\n0 0 * * * /bin/a\n");
    expect(sh.messages).toEqual([]);
    expect(sh.yaml).toMatch(/^# SHELL=\/bin\/sh \(line 1\): a task's command runs with bash -c$/m);
    const zsh = load("0 0 * * * /bin/a\nSHELL=/usr/bin/zsh\n0 1 * * * echo 'it''s' $ZSH_VERSION\n");
    expect(zsh.config.tasks.a!.command).toBe("/bin/a");
    expect(zsh.config.tasks.job!.command).toBe(`/usr/bin/zsh -c 'echo '\\''it'\\'''\\''s'\\'' $ZSH_VERSION'`);
    expect(zsh.messages).toEqual([expect.stringMatching(/^2:1: SHELL=\/usr\/bin\/zsh: .*wrapped/)]);
  });
});

describe("% in a command, as cron reads it", () => {
  it("\\% is a literal %, with no warning", () => {
    const { config, messages } = load("0 0 * * * tar czf /backup/$(date +\\%F).tgz /srv\n");
    expect(config.tasks.tar!.command).toBe("tar czf /backup/$(date +%F).tgz /srv");
    expect(messages).toEqual([]);
  });

  it("the first other % starts the command's stdin, further ones are newlines: written as printf | ( command ), and flagged", () => {
    expect(splitPercent("mail -s hi root%line one%line two\\%%")).toEqual({ command: "mail -s hi root", stdin: "line one\nline two%\n" });
    expect(splitPercent("cat%a\\b%")).toEqual({ command: "cat", stdin: "a\\b\n" });
    expect(splitPercent("echo 100\\\\%rest")).toEqual({ command: "echo 100\\\\", stdin: "rest" });
    const { config, messages } = load("0 0 * * * mail -s 'it is' root%Don't forget%the backup\n");
    expect(config.tasks.mail!.command).toBe(`printf '%s' $'Don\\'t forget\\nthe backup' | ( mail -s 'it is' root )`);
    expect(messages).toEqual([expect.stringMatching(/^1:11: an unescaped % makes the rest of the line the command's stdin/)]);
  });
});

describe("the system crontab format (/etc/crontab, /etc/cron.d) has a user column", () => {
  it("becomes user:, with nicknames too", () => {
    const { config, messages } = load("17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n@reboot backup /usr/local/bin/restore-marks\n", true);
    expect(messages).toEqual([]);
    expect(config.tasks).toEqual({
      "cron.hourly": { cron: "17 * * * *", user: "root", command: "cd / && run-parts --report /etc/cron.hourly" },
      "restore-marks": { cron: "@reboot", user: "backup", command: "/usr/local/bin/restore-marks" },
    });
  });

  it("a user column that is no user name (a user crontab read with --system) is a warning", () => {
    expect(load("0 0 * * * /usr/bin/backup --all\n", true).messages).toEqual([expect.stringMatching(/^1:11: "\/usr\/bin\/backup" is not a user name.*leave out --system/)]);
  });

  it("a line with a user but no command is a warning", () => {
    expect(load("0 0 * * * root\n", true).messages).toEqual([expect.stringMatching(/^1:1: not a crontab line: expected a schedule .*, a user and a command/)]);
  });

  it("a user crontab line that lacks a command hints at --system", () => {
    expect(load("0 0 * * *\n").messages[0]).toMatch(/use --system/);
  });
});

describe("each task gets a readable, unique name from its command", () => {
  it.each([
    ["/usr/local/bin/backup.sh --full", "backup"],
    ["test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r", "e2scrub_all"],
    ["[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi", "sessionclean"],
    ["command -v debian-sa1 > /dev/null && debian-sa1 1 1", "debian-sa1"],
    ["test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }", "cron.daily"],
    ["test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew", "certbot"],
    ["cd /srv/app && python3 manage.py clearsessions >> /var/log/app.log 2>&1", "manage"],
    ["nice -n 10 ionice -c3 /opt/bin/reindex", "reindex"],
    ["timeout 1h flock -n /tmp/x.lock /opt/sync-files.py", "sync-files"],
    ["php /var/www/artisan schedule:run", "artisan"],
    ["echo $(date) >> /tmp/log", ""],
  ])("%s → %s", (command, name) => {
    expect(nameFromCommand(command)).toBe(name);
  });

  it("two tasks that run the same program are name, name-2, name-3; no name at all is job", () => {
    const { config } = load("0 0 * * * /bin/sync a\n0 1 * * * /bin/sync b\n0 2 * * * /bin/sync c\n0 3 * * * echo hi\n0 4 * * * echo ho\n");
    expect(Object.keys(config.tasks)).toEqual(["sync", "sync-2", "sync-3", "job", "job-2"]);
  });

  it("keeps the crontab's order, even for names that look like numbers", () => {
    const { config, yaml } = load("0 0 * * * /bin/zeta\n0 1 * * * /opt/7\n0 2 * * * /bin/alpha\n");
    expect(Object.keys(parse(yaml, { mapAsMap: false }).tasks as object).sort()).toEqual(["7", "alpha", "zeta"]);
    expect(yaml.indexOf("zeta:")).toBeLessThan(yaml.indexOf('"7":'));
    expect(yaml.indexOf('"7":')).toBeLessThan(yaml.indexOf("alpha:"));
    expect(yaml).toMatch(/# line 2: 0 1 \* \* \* \/opt\/7\n {2}"7":/);
    expect(config.tasks["7"]!.command).toBe("/opt/7");
  });

  it("a program already called name-2 does not clash with a second name", () => {
    const { config } = load("0 0 * * * /bin/x-2\n0 1 * * * /bin/x\n0 2 * * * /bin/x\n");
    expect(Object.keys(config.tasks)).toEqual(["x-2", "x", "x-3"]);
  });
});

describe("the output is YAML the yaml package quoted, whatever the command holds", () => {
  it("round-trips commands with quotes, colons, # and leading special characters", () => {
    const commands = [`echo "a: b" # c`, `'quoted' start`, `[ -f x ] && y`, `- dash`, `echo {a,b}`, `echo *`, `>/dev/null cat`];
    const { config } = load(commands.map((c) => `0 0 * * * ${c}\n`).join(""));
    expect(Object.values(config.tasks).map((t) => t.command)).toEqual(commands);
  });
});
