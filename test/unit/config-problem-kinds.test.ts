import { describe, expect, it } from "vitest";
import { problemsIn, taskOf } from "./config-fixture.js";

/** Each mistake alone in an otherwise good file: exactly one problem, at the spot to fix. */
function onlyProblem(text: string): string {
  const problems = problemsIn(text);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

const task = (lines: string) => `tasks:\n  report:\n${lines.replace(/^/gm, "    ")}\n`;
const SCRIPT = "scripts: [ { path: scripts/report.py } ]";

describe("a mistyped key is named, with the key that was probably meant", () => {
  it("in a task", () => {
    expect(onlyProblem(task(`${SCRIPT}\nretires: 2`))).toBe("4:5: tasks.report: unknown key `retires`; did you mean `retries`?");
  });

  it("in a script entry, suggesting only keys valid there", () => {
    expect(onlyProblem(task("scripts:\n  - path: scripts/report.py\n    param: { a: 1 }"))).toBe(
      "5:9: tasks.report.scripts[0]: unknown key `param`; did you mean `params`?",
    );
  });

  it("at the top level", () => {
    expect(onlyProblem(`task:\n  report: {}\n`)).toBe("1:1: unknown key `task` at the top level; did you mean `tasks`?");
  });

  it("a task setting at the top level says where it belongs", () => {
    expect(onlyProblem(`timezone: UTC\n`)).toBe(
      "1:1: unknown key `timezone` at the top level: task settings go in a task, or under `defaults` for every task",
    );
  });

  it("with nothing close, no suggestion", () => {
    expect(onlyProblem(task(`${SCRIPT}\nfrobnicate: yes`))).toBe("4:5: tasks.report: unknown key `frobnicate`");
  });
});

describe("a value of the wrong kind says what was expected and what was written", () => {
  it("retries: many", () => {
    expect(onlyProblem(task(`${SCRIPT}\nretries: many`))).toBe('4:14: tasks.report.retries: expected a whole number, got "many"');
  });

  it("retries: 1.5", () => {
    expect(onlyProblem(task(`${SCRIPT}\nretries: 1.5`))).toBe("4:14: tasks.report.retries: expected a whole number, got 1.5");
  });

  it("an unknown choice, with the closest one", () => {
    expect(onlyProblem(task(`${SCRIPT}\nconcurrency: forbidd`))).toBe(
      '4:18: tasks.report.concurrency: expected one of forbid, allow, replace, queue, got "forbidd"; did you mean `forbid`?',
    );
  });

  it("a list where a map belongs", () => {
    expect(onlyProblem(task(`${SCRIPT}\nenv: [A, B]`))).toBe(
      "4:10: tasks.report.env: expected a map of environment variables like { PGHOST: db1 }, got a list",
    );
  });

  it("a task that is not a map", () => {
    expect(onlyProblem(`tasks:\n  report: echo hi\n`)).toBe('2:11: tasks.report: expected a map of task settings, got "echo hi"');
  });

  it("a required key that is missing points at the entry that lacks it", () => {
    expect(onlyProblem(task("scripts:\n  - params: { a: 1 }"))).toBe("4:9: tasks.report.scripts[0]: missing `path`");
  });

  it("an empty list", () => {
    expect(onlyProblem(task("scripts: []"))).toBe("3:14: tasks.report.scripts: must not be empty");
  });

  it("version other than 1", () => {
    expect(onlyProblem(`version: 2\ntasks: {}\n`)).toBe("1:10: version: expected 1, got 2");
  });

  it("an empty file", () => {
    expect(onlyProblem("")).toMatch(/^1:1: expected a map with `tasks`.*, got nothing$/);
  });
});

describe("durations are 500ms, 30s, 5m, 1h30m, 2d or a number of seconds", () => {
  it("timeout: 5 minutes", () => {
    expect(onlyProblem(task(`${SCRIPT}\ntimeout: 5 minutes`))).toBe(
      '4:14: tasks.report.timeout: expected a duration like 500ms, 30s, 5m, 1h30m, 2d or a number of seconds, got "5 minutes"',
    );
  });

  it("an interval of zero would fire forever", () => {
    expect(onlyProblem(task(`${SCRIPT}\nevery: 0s`))).toBe('4:12: tasks.report.every: must be at least 1s, got "0s"');
  });
});

describe("a bad cron expression names the failing field", () => {
  it("hour 25", () => {
    expect(onlyProblem(task(`${SCRIPT}\ncron: 0 25 * * *`))).toMatch(/^4:11: tasks\.report\.cron: hour field "25" is out of range 0-23/);
  });

  it("an expression that never fires", () => {
    expect(onlyProblem(task(`${SCRIPT}\ncron: 0 0 30 2 *`))).toMatch(/^4:11: tasks\.report\.cron: .*never/);
  });

  it("@reboot is a trigger of its own, not an error", () => {
    expect(problemsIn(task(`${SCRIPT}\ncron: "@reboot"`))).toEqual([]);
  });
});

describe("an unknown timezone is named, with the zone probably meant", () => {
  it("a typo", () => {
    expect(onlyProblem(task(`${SCRIPT}\ntimezone: Europe/Berln`))).toBe(
      '4:15: tasks.report.timezone: unknown timezone "Europe/Berln"; did you mean "Europe/Berlin"?',
    );
  });

  it("a city without its region", () => {
    expect(onlyProblem(task(`${SCRIPT}\ntimezone: Berlin`))).toBe('4:15: tasks.report.timezone: unknown timezone "Berlin"; did you mean "Europe/Berlin"?');
  });

  it("nothing close", () => {
    expect(onlyProblem(task(`${SCRIPT}\ntimezone: Nowhere/Special`))).toBe(
      '4:15: tasks.report.timezone: unknown timezone "Nowhere/Special": use an IANA name like Europe/Berlin',
    );
  });
});

describe("files the task needs must exist", () => {
  it("a missing script, located at its path", () => {
    expect(onlyProblem(task("scripts:\n  - path: scripts/nope.py"))).toMatch(/^4:15: tasks\.report\.scripts\[0\]\.path: script not found: \/.*\/scripts\/nope\.py$/);
  });

  it("a missing repeat script and a missing params_from program", () => {
    const problems = problemsIn(task("repeat:\n  - path: scripts/nope.sh\n    params_from: scripts/nope.py"));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^4:15: tasks\.report\.repeat\[0\]\.path: script not found: /);
    expect(problems[1]).toMatch(/^5:22: tasks\.report\.repeat\[0\]\.params_from: params_from program not found: /);
  });

  it("a folder where a script should be", () => {
    expect(onlyProblem(task("scripts:\n  - path: scripts"))).toMatch(/^4:15: tasks\.report\.scripts\[0\]\.path: script is not a file: /);
  });

  it("a missing cwd", () => {
    expect(onlyProblem(task(`${SCRIPT}\ncwd: no-such-folder`))).toMatch(/^4:10: tasks\.report\.cwd: cwd folder not found: /);
  });

  it("are not checked with checkFiles: false", () => {
    expect(problemsIn(task("scripts:\n  - path: scripts/nope.py"), { checkFiles: false })).toEqual([]);
  });
});

describe("a task has at most one trigger and exactly one action", () => {
  it("two triggers point at the second", () => {
    expect(onlyProblem(task(`cron: "0 * * * *"\nevery: 30s\n${SCRIPT}`))).toBe(
      "4:5: tasks.report: two triggers on one task (`cron` and `every`): keep one of cron, every, at, delay",
    );
  });

  it("no trigger is fine: manual only", () => {
    expect(problemsIn(task(SCRIPT))).toEqual([]);
  });

  it("nothing to run", () => {
    expect(onlyProblem(task("every: 30s"))).toBe("2:3: tasks.report: nothing to run: give `scripts` (and/or `repeat`), `command` or `http`");
  });

  it("two actions", () => {
    expect(onlyProblem(task(`${SCRIPT}\ncommand: echo hi`))).toBe(
      "4:5: tasks.report: two actions on one task (`scripts/repeat` and `command`): a task runs scripts/repeat, a command or an http request",
    );
  });

  it("scripts and repeat together are one action", () => {
    expect(problemsIn(task(`${SCRIPT}\nrepeat: [ { path: scripts/sync.sh, params: [ { bucket: a } ] } ]`))).toEqual([]);
  });

  it("repeat needs params or params_from, not both", () => {
    expect(onlyProblem(task("repeat:\n  - path: scripts/sync.sh"))).toBe(
      "4:9: tasks.report.repeat[0]: missing `params` (a list of parameter sets) or `params_from` (a program that prints them as JSON)",
    );
    expect(onlyProblem(task("repeat:\n  - path: scripts/sync.sh\n    params: []\n    params_from: scripts/list_buckets.py"))).toBe(
      "6:9: tasks.report.repeat[0]: give either `params` or `params_from`, not both",
    );
  });
});

describe("task names are letters, digits, _ . - and start with a letter or digit", () => {
  it("a name with a space", () => {
    expect(onlyProblem(`tasks:\n  nightly report:\n    ${SCRIPT}\n`)).toBe(
      'tasks: task name "nightly report" must start with a letter or digit and hold only letters, digits, "_", "." and "-"'.replace(/^/, "2:3: "),
    );
  });
});

describe("command is one inline line for bash -c", () => {
  it("more than one line asks for a script", () => {
    expect(onlyProblem(task("command: |\n  echo one\n  echo two"))).toBe(
      "3:14: tasks.report.command: `command` is one line for bash -c; put longer commands in a script and use `scripts`",
    );
  });

  it("a template asks for a script with params", () => {
    expect(onlyProblem(task('command: "echo {{ task }}"'))).toBe(
      "3:14: tasks.report.command: templates do not work in `command`; use a script with `params` instead",
    );
  });

  it.each(["python", "node", "sh"])("type: %s beside a command is refused: the line would still run under bash", (type) => {
    expect(onlyProblem(task(`type: ${type}\ncommand: "print(1)"`))).toBe(
      `3:11: tasks.report.type: \`type: ${type}\` does not apply to \`command\`, which always runs with bash -c; remove \`type\`, or put the code in a script under \`scripts\``,
    );
  });

  it("type: bash beside a command is what happens anyway", () => {
    expect(problemsIn(task('type: bash\ncommand: "echo hi"'))).toEqual([]);
  });

  it("a type from defaults applies to the scripts of other tasks, not to a command", () => {
    expect(problemsIn(`defaults:\n  type: python\n${task('command: "echo hi"')}`)).toEqual([]);
  });
});

describe("templates in params are checked when the file is loaded, not when the task runs", () => {
  it("an unknown name", () => {
    expect(onlyProblem(task('scripts:\n  - path: scripts/report.py\n    params: { day: "{{ schedule_at }}" }'))).toMatch(
      /^5:24: tasks\.report\.scripts\[0\]\.params\.day: unknown template name "schedule_at"/,
    );
  });

  it("step outputs exist only in workflows", () => {
    expect(onlyProblem(task('scripts:\n  - path: scripts/report.py\n    params: { rows: "{{ steps.extract.rows }}" }'))).toBe(
      "5:25: tasks.report.scripts[0].params.rows: `{{ steps.… }}` is only available in workflow steps, not in tasks",
    );
  });
});

describe("skip rules", () => {
  it("an unknown weekday", () => {
    expect(onlyProblem(task(`${SCRIPT}\nskip:\n  - weekdays: [sat, sundy]`))).toBe(
      '5:25: tasks.report.skip[0].weekdays[1]: expected a weekday: mon, tue, wed, thu, fri, sat or sun, got "sundy"',
    );
  });

  it("a date that does not exist", () => {
    expect(onlyProblem(task(`${SCRIPT}\nskip:\n  - dates: ["2026-02-30"]`))).toBe("5:17: tasks.report.skip[0].dates[0]: 2026-02-30 is not a real date");
  });

  it("a range that runs backwards", () => {
    expect(onlyProblem(task(`${SCRIPT}\nskip:\n  - dates: ["2026-12-31..2026-12-24"]`))).toBe(
      "5:17: tasks.report.skip[0].dates[0]: the range 2026-12-31..2026-12-24 ends before it starts",
    );
  });

  it("two conditions in one rule", () => {
    expect(onlyProblem(task(`${SCRIPT}\nskip:\n  - env: A\n    command: "true"`))).toBe(
      "5:9: tasks.report.skip[0]: each skip rule holds exactly one of weekdays, dates, command, file_exists, env",
    );
  });
});

describe("at names a real time", () => {
  it("February 30th", () => {
    expect(onlyProblem(task(`${SCRIPT}\nat: 2026-02-30T09:00`))).toBe('4:9: tasks.report.at: "2026-02-30T09:00" is not a real date and time');
  });

  it("a date without a time", () => {
    expect(onlyProblem(task(`${SCRIPT}\nat: 2026-12-01`))).toMatch(/^4:9: tasks\.report\.at: expected a time like 2026-12-01T09:00/);
  });
});

describe("http", () => {
  it("an expected status that is not a status", () => {
    expect(onlyProblem(task('http: { url: "https://example.com", expect: "200s" }'))).toBe(
      '3:49: tasks.report.http.expect: expected a status class like "2xx" or a code like 204, got "200s"',
    );
  });

  it("a body on a GET request (the default method), which fetch would refuse at every run", () => {
    expect(onlyProblem(task('http: { url: "https://example.com", body: "{}" }'))).toBe(
      "3:41: tasks.report.http.body: a GET request cannot have a body: set `method` (POST, PUT, PATCH, …) or remove `body`",
    );
    expect(problemsIn(task('http: { url: "https://example.com", method: put, body: "{}" }'))).toEqual([]);
  });

  it("a URL that is not http", () => {
    expect(onlyProblem(task('http: { url: "ftp://example.com" }'))).toBe('3:18: tasks.report.http.url: expected an http:// or https:// URL, got "ftp://example.com"');
  });

  it.each([
    ['"https://example.com/a\\r\\nforged"', "the URL holds a control character (CR, LF, tab, NUL…), which would split or forge log lines"],
    ['"http:///path"', '"http:///path" has no host'],
    ['"https://user:pw@:443/"', '"https://user:***@:443/" has no host'],
    ['"http://example.com:99999/"', '"http://example.com:99999/" has port 99999, which is not a port (1-65535)'],
  ])("a URL that cannot be fetched as written: %s", (url, problem) => {
    expect(onlyProblem(task(`http: { url: ${url} }`))).toBe(`3:18: tasks.report.http.url: ${problem}`);
  });

  it("credentials in the URL become Basic auth, and the URL keeps none", () => {
    const { action } = taskOf(task('http: { url: "https://deploy:s3cret%20pw@example.com/hook" }'));
    expect(action.kind === "http" && action.http).toMatchObject({
      url: "https://example.com/hook",
      headers: { Authorization: `Basic ${Buffer.from("deploy:s3cret pw").toString("base64")}` },
    });
  });

  it("credentials in the URL and an Authorization header: keep one", () => {
    expect(onlyProblem(task('http: { url: "https://a:b@example.com", headers: { authorization: "Bearer x" } }'))).toBe(
      "3:18: tasks.report.http.url: the URL holds credentials and `headers` an Authorization too: keep one",
    );
  });
});

describe("YAML itself", () => {
  it("a syntax error stops there, with the parser's words", () => {
    const problems = problemsIn("tasks:\n  report: [1, 2\n");
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^\d+:\d+: YAML syntax: /);
  });

  it("a duplicate key", () => {
    expect(onlyProblem(task(`${SCRIPT}\ntimeout: 1m\ntimeout: 2m`))).toBe("5:5: duplicate key `timeout`");
  });

  it("two documents in one file", () => {
    expect(problemsIn(`tasks: {}\n---\ntasks: {}\n`)).toEqual(["2:1: the file holds more than one YAML document (---); put everything in one"]);
  });
});
