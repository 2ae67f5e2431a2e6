import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { configJsonSchema, writeJsonSchema } from "../../src/config/write-json-schema.js";
import { SPEC_SAMPLE } from "./config-spec-sample.js";

type Schema = Record<string, any>;

/** Just enough of JSON Schema draft-07 to check what the generated schema says (no validator is a dependency). */
function schemaErrors(schema: Schema, value: unknown, at = "$"): string[] {
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${at}: ${why}`);
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
  if (schema.anyOf) {
    if (!schema.anyOf.some((s: Schema) => schemaErrors(s, value, at).length === 0)) fail("matches none of anyOf");
    return errors;
  }
  if (schema.type) {
    const types = [schema.type].flat();
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) return [`${at}: ${actual} is not ${types.join("|")}`];
  }
  if (schema.const !== undefined && value !== schema.const) fail(`is not ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) fail(`is not one of ${schema.enum}`);
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) fail("too short");
  }
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) fail("too small");
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail("too few items");
    value.forEach((item, i) => errors.push(...schemaErrors(schema.items ?? {}, item, `${at}[${i}]`)));
  } else if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    for (const key of schema.required ?? []) if (!(key in value)) fail(`missing ${key}`);
    if (schema.minProperties !== undefined && entries.length < schema.minProperties) fail("too few keys");
    if (schema.maxProperties !== undefined && entries.length > schema.maxProperties) fail("too many keys");
    for (const [key, v] of entries) {
      if (schema.propertyNames) errors.push(...schemaErrors(schema.propertyNames, key, `${at}.${key} (name)`));
      if (schema.properties?.[key]) errors.push(...schemaErrors(schema.properties[key], v, `${at}.${key}`));
      else if (schema.additionalProperties === false) fail(`unknown key ${key}`);
      else if (typeof schema.additionalProperties === "object") errors.push(...schemaErrors(schema.additionalProperties, v, `${at}.${key}`));
    }
  }
  return errors;
}

const schema = configJsonSchema();
const taskSchema = (schema.properties as Schema).tasks.additionalProperties as Schema;

describe("the JSON Schema lets editors complete and check orchestration.yaml", () => {
  it("accepts the sample file of SPEC §3", () => {
    expect(schemaErrors(schema, parseDocument(SPEC_SAMPLE).toJS())).toEqual([]);
  });

  it("rejects an unknown key in a task, as the loader does", () => {
    expect(taskSchema.additionalProperties).toBe(false);
    expect(schemaErrors(schema, { tasks: { a: { command: "true", timezon: "UTC" } } })).toEqual(["$.tasks.a: unknown key timezon"]);
  });

  it("rejects the same durations and task names the loader rejects", () => {
    expect(schemaErrors(schema, { tasks: { a: { timeout: "5 minutes" } } })).toEqual(["$.tasks.a.timeout: matches none of anyOf"]);
    expect(schemaErrors(schema, { tasks: { "bad name": {} } })).toHaveLength(1);
  });

  it("is draft-07, titled, and documents the task fields", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.title).toMatch(/orchestrate/);
    expect(Object.keys(taskSchema.properties)).toContain("catch_up_window");
    for (const [key, field] of Object.entries(taskSchema.properties as Schema)) {
      expect(field.description, key).toBeTruthy();
    }
  });

  it("is written as a file by the build", () => {
    const file = writeJsonSchema(join(mkdtempSync(join(tmpdir(), "orchestrate-schema-")), "schema", "orchestration.schema.json"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(schema);
  });
});
