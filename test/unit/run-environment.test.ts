import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvFileError, taskEnvironment, taskEnvironmentLenient } from "../../src/run/environment.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrate-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const base = { PATH: "/usr/bin", HOME: "/root", USER: "root", FROM_DAEMON: "d", UNSET: undefined };
const account = { user: "backup", uid: 34, gid: 34, group: "backup", home: "/var/backups", shell: "/usr/sbin/nologin" };

describe("a task's environment", () => {
  it("is the daemon's, then the account's, then env_file, then env: each later one wins", () => {
    const envFile = file("layers.env", "FROM_FILE=f\nOVERRIDDEN=file\nHOME=/from-file\n");
    const env = taskEnvironment(base, { env: { OVERRIDDEN: "env" }, envFile, account });
    expect(env).toEqual({
      PATH: "/usr/bin",
      FROM_DAEMON: "d",
      HOME: "/from-file",
      USER: "backup",
      LOGNAME: "backup",
      SHELL: "/usr/sbin/nologin",
      FROM_FILE: "f",
      OVERRIDDEN: "env",
    });
  });

  it("reads dotenv lines as systemd's EnvironmentFile= would: comments, export, quotes, no expansion", () => {
    const envFile = file(
      "dotenv.env",
      ["# a comment", "", "export EXPORTED=yes", 'DOUBLE="two words"', "SINGLE='$HOME stays'", "PLAIN=a=b", 'NEWLINE="a\\nb"', "EMPTY="].join("\n"),
    );
    const env = taskEnvironment({}, { env: {}, envFile, account: null });
    expect(env).toEqual({ EXPORTED: "yes", DOUBLE: "two words", SINGLE: "$HOME stays", PLAIN: "a=b", NEWLINE: "a\nb", EMPTY: "" });
  });

  it("is read at each call: an edit counts from the next run", () => {
    const envFile = file("edited.env", "V=1\n");
    expect(taskEnvironment({}, { env: {}, envFile, account: null }).V).toBe("1");
    writeFileSync(envFile, "V=2\n");
    expect(taskEnvironment({}, { env: {}, envFile, account: null }).V).toBe("2");
  });

  it("names the file when it cannot be read; skip conditions go on without it", () => {
    const missing = join(dir, "missing.env");
    expect(() => taskEnvironment({}, { env: {}, envFile: missing, account: null })).toThrow(EnvFileError);
    expect(() => taskEnvironment({}, { env: {}, envFile: missing, account: null })).toThrow(`env_file ${missing}: not found`);
    expect(() => taskEnvironment({}, { env: {}, envFile: dir, account: null })).toThrow(/is a folder/);
    expect(taskEnvironmentLenient({ A: "1" }, { env: { B: "2" }, envFile: missing, account: null })).toEqual({ A: "1", B: "2" });
    if (process.getuid?.() !== 0) {
      const locked = file("locked.env", "X=1\n");
      chmodSync(locked, 0);
      expect(() => taskEnvironment({}, { env: {}, envFile: locked, account: null })).toThrow(/permission denied/);
    }
  });
});
