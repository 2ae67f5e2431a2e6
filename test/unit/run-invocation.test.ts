import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ParamList, ScriptType } from "../../src/config/model.js";
import { commandInvocation, interpreterFor, invocationEnv, paramsToArgv } from "../../src/run/invocation.js";
import { taskEnvironment } from "../../src/run/environment.js";
import { startProcess } from "../../src/run/process.js";
import { makeTempDir, writeScript } from "../helpers/run.js";

const temp = makeTempDir();
afterAll(() => temp.remove());

const PRINT_ARGV: Record<ScriptType, string> = {
  // bash hands "$@" on untouched; python prints what bash received.
  bash: `python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"\n`,
  sh: `python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"\n`,
  python: "import json, sys\nprint(json.dumps(sys.argv[1:]))\n",
  node: "console.log(JSON.stringify(process.argv.slice(2)));\n",
};

async function argvSeenBy(type: ScriptType, params: ParamList): Promise<string[]> {
  const script = writeScript(temp.dir, `argv-${type}`, PRINT_ARGV[type]);
  const { command, args } = interpreterFor(type, script);
  const outcome = await startProcess({
    command,
    args: [...args, ...paramsToArgv(params)],
    cwd: temp.dir,
    env: { PATH: process.env.PATH!, HOME: temp.dir },
    timeoutMs: 20_000,
    killGraceMs: 1_000,
    outputLimitBytes: 64 * 1024,
  }).done;
  expect(outcome.exitCode, outcome.output).toBe(0);
  return JSON.parse(outcome.output) as string[];
}

describe("a parameter value reaches the script as one literal argument, never through a shell", () => {
  const pwned = join(temp.dir, "pwned");
  const hostile = `$(touch ${pwned}); echo hacked`;
  const params: ParamList = [
    ["region", hostile],
    ["quotes", `it's "quoted" \`uname\` *`],
    ["lines", "one\ntwo"],
    ["empty", ""],
    ["spaced", "  a  b  "],
  ];
  const expected = params.flatMap(([key, value]) => [`--${key}`, value]);

  for (const type of ["bash", "sh", "python", "node"] as const) {
    it(`in a ${type} script`, async () => {
      expect(await argvSeenBy(type, params)).toEqual(expected);
      expect(existsSync(pwned)).toBe(false);
    });
  }
});

describe("how a script is started", () => {
  it("with its interpreter, the script path first", () => {
    expect(interpreterFor("bash", "/s/a.sh")).toEqual({ command: "bash", args: ["/s/a.sh"] });
    expect(interpreterFor("sh", "/s/a.sh")).toEqual({ command: "sh", args: ["/s/a.sh"] });
    expect(interpreterFor("python", "/s/a.py")).toEqual({ command: "python3", args: ["/s/a.py"] });
    expect(interpreterFor("node", "/s/a.js")).toEqual({ command: process.execPath, args: ["/s/a.js"] });
  });

  it("parameters in the order written, as --key value pairs", () => {
    expect(paramsToArgv([["b", "2"], ["a", "1"], ["b", "3"]])).toEqual(["--b", "2", "--a", "1", "--b", "3"]);
  });

  it("an inline command: line is the one thing given to a shell", () => {
    expect(commandInvocation("curl -fsS localhost:8080/warm | tee x")).toEqual({ command: "bash", args: ["-c", "curl -fsS localhost:8080/warm | tee x"] });
  });

  it("a command: line that is only a program and plain words is executed directly, with bash as the fallback", () => {
    expect(commandInvocation("/bin/true")).toEqual({ command: "/bin/true", args: [], fallback: { command: "bash", args: ["-c", "/bin/true"] } });
    expect(commandInvocation("  curl  -fsS localhost:8080/warm --max-time=5 ")).toEqual({
      command: "curl",
      args: ["-fsS", "localhost:8080/warm", "--max-time=5"],
      fallback: { command: "bash", args: ["-c", "  curl  -fsS localhost:8080/warm --max-time=5 "] },
    });
  });

  it.each([
    ["a variable", "echo-it $HOME"],
    ["quotes", "printf-it 'a b'"],
    ["a glob", "rm-it /tmp/*.log"],
    ["a tilde", "ls-it ~/x"],
    ["a comment", "run-it # note"],
    ["an operator", "a && b"],
    ["a redirection", "date >> x"],
    ["a backslash", "run-it a\\ b"],
    ["an assignment first", "TZ=UTC date"],
    ["a builtin", "cd /tmp"],
    ["a builtin that is also a program", "true"],
    ["a keyword", "time sleep 1"],
    ["non-ASCII", "notify-send héllo"],
    ["nothing", "   "],
  ])("a line with %s goes to bash", (_, line) => {
    expect(commandInvocation(line)).toEqual({ command: "bash", args: ["-c", line] });
  });

  it("a line with parameters goes to bash, whose $0, $1... they become", () => {
    expect(commandInvocation("/bin/true", true)).toEqual({ command: "bash", args: ["-c", "/bin/true"] });
  });
});

describe("what a script finds in its environment", () => {
  const scheduledAt = new Date("2026-03-29T01:30:00+01:00");
  const base = { PATH: "/usr/bin", HOME: "/home/cron", UNSET: undefined };

  it("the daemon's environment, the task's env, and the ORCHESTRATE_ variables", () => {
    const env = invocationEnv({
      taskEnv: taskEnvironment(base, { env: { PGHOST: "db1", HOME: "/srv" }, envFile: null, account: null }),
      task: "nightly-report",
      runId: 42,
      scheduledAt,
      attempt: 2,
      params: [["region", "eu"], ["out-dir", "/tmp/x"], ["day.of week", "sun"]],
      outputFile: "/tmp/out-42",
      extra: { ORCHESTRATE_API_URL: "http://127.0.0.1:7070" },
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/srv",
      PGHOST: "db1",
      ORCHESTRATE_TASK: "nightly-report",
      ORCHESTRATE_RUN_ID: "42",
      ORCHESTRATE_SCHEDULED_AT: "2026-03-29T00:30:00.000Z",
      ORCHESTRATE_ATTEMPT: "2",
      ORCHESTRATE_PARAM_REGION: "eu",
      ORCHESTRATE_PARAM_OUT_DIR: "/tmp/x",
      ORCHESTRATE_PARAM_DAY_OF_WEEK: "sun",
      ORCHESTRATE_OUTPUT: "/tmp/out-42",
      ORCHESTRATE_API_URL: "http://127.0.0.1:7070",
    });
  });

  it("a task's env cannot fake the run's own variables", () => {
    const env = invocationEnv({ taskEnv: { PATH: "/usr/bin", ORCHESTRATE_RUN_ID: "1" }, task: "t", runId: 7, scheduledAt, attempt: 1, params: [] });
    expect(env.ORCHESTRATE_RUN_ID).toBe("7");
    expect(env).not.toHaveProperty("ORCHESTRATE_OUTPUT");
  });

  it("a running script sees them", async () => {
    const env = invocationEnv({ taskEnv: { PATH: process.env.PATH! }, task: "t", runId: 3, scheduledAt, attempt: 1, params: [["when", "$(date)"]] });
    const outcome = await startProcess({
      ...commandInvocation('echo "$ORCHESTRATE_TASK/$ORCHESTRATE_RUN_ID/$ORCHESTRATE_ATTEMPT/$ORCHESTRATE_PARAM_WHEN"'),
      cwd: temp.dir,
      env,
      timeoutMs: 10_000,
      killGraceMs: 1_000,
      outputLimitBytes: 1024,
    }).done;
    expect(outcome.output).toBe("t/3/1/$(date)");
  });
});
