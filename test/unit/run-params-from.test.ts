import { afterAll, describe, expect, it } from "vitest";
import type { ScriptType } from "../../src/config/model.js";
import { LocalExecutor } from "../../src/run/local-executor.js";
import { loadParamSets } from "../../src/run/params-from.js";
import { makeTempDir, writeScript } from "../helpers/run.js";

const temp = makeTempDir();
afterAll(() => temp.remove());

function load(name: string, text: string, type: ScriptType = "python", timeoutMs = 20_000) {
  const program = writeScript(temp.dir, name, text);
  return loadParamSets(new LocalExecutor(), { program, type, cwd: temp.dir, env: { PATH: process.env.PATH!, HOME: temp.dir, REGION: "eu" }, timeoutMs });
}

describe("params_from: a program prints the parameter sets of a repeat", () => {
  it("a JSON array of objects becomes one parameter list per item, keys in order", async () => {
    const sets = await load("list.py", 'import json, os\nprint(json.dumps([{"bucket": "a", "region": os.environ["REGION"]}, {"bucket": "b", "limit": 5, "dry": True}]))\n');
    expect(sets).toEqual([
      [["bucket", "a"], ["region", "eu"]],
      [["bucket", "b"], ["limit", "5"], ["dry", "true"]],
    ]);
  });

  it("runs with the task's interpreter", async () => {
    expect(await load("list.sh", `echo '[{"n": 1}]'\n`, "bash")).toEqual([[["n", "1"]]]);
  });

  it("an empty array means no invocations", async () => {
    expect(await load("empty.py", "print('[]')\n")).toEqual([]);
  });

  it("a long list printed on one line is read whole", async () => {
    const sets = await load("many.py", 'import json\nprint(json.dumps([{"bucket": "b%05d" % i} for i in range(20000)]))\n');
    expect(sets).toHaveLength(20_000);
    expect(sets[19_999]).toEqual([["bucket", "b19999"]]);
  });

  it("stderr is not mistaken for the list", async () => {
    expect(await load("noisy.py", 'import sys\nprint("listing buckets", file=sys.stderr)\nprint(\'[{"a": "x"}]\')\n')).toEqual([[["a", "x"]]]);
  });
});

describe("params_from failures say what went wrong", () => {
  it("a program that fails, with the end of its stderr", async () => {
    await expect(load("fails.py", 'import sys\nprint("bucket API unreachable", file=sys.stderr)\nsys.exit(1)\n')).rejects.toThrow(
      "params_from fails.py exited with code 1: bucket API unreachable",
    );
  });

  it("output that is not JSON", async () => {
    await expect(load("bad.py", 'print("bucket-a bucket-b")\n')).rejects.toThrow(/^params_from bad\.py printed invalid JSON: /);
  });

  it("JSON that is not an array of flat objects", async () => {
    await expect(load("object.py", 'print(\'{"bucket": "a"}\')\n')).rejects.toThrow("params_from object.py printed an object; expected a JSON array");
    await expect(load("strings.py", 'print(\'["a", "b"]\')\n')).rejects.toThrow("params_from strings.py: item 0 is a string; each parameter set must be an object");
    await expect(load("nested.py", 'print(\'[{"a": {"b": 1}}]\')\n')).rejects.toThrow('params_from nested.py: item 0 key "a" is an object; values must be strings, numbers or booleans');
    await expect(load("null.py", 'print(\'[{"a": null}]\')\n')).rejects.toThrow('item 0 key "a" is null');
  });

  it("a program that prints nothing", async () => {
    await expect(load("silent.py", "pass\n")).rejects.toThrow("params_from silent.py printed nothing; expected a JSON array");
  });

  it("a program that hangs is stopped at the timeout", async () => {
    await expect(load("hangs.sh", "sleep 999\n", "bash", 300)).rejects.toThrow("params_from hangs.sh timed out after 300ms (process group terminated)");
  });
});
