/**
 * Writes schema/orchestration.schema.json from the zod schema (run by `npm run build`), so editors
 * with yaml-language-server complete and document orchestration.yaml from the same source the
 * loader validates with.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { configSchema } from "./schema.js";

/** From dist/config/ (or src/config/) to the repository's schema/ folder. */
export const JSON_SCHEMA_FILE = fileURLToPath(new URL("../../schema/orchestration.schema.json", import.meta.url));

export function configJsonSchema(): Record<string, unknown> {
  // draft-07: the dialect yaml-language-server and most editors understand best. Input types,
  // because the file holds what users write; anything zod cannot express becomes "any" rather than a crash.
  const schema = z.toJSONSchema(configSchema, { target: "draft-07", io: "input", unrepresentable: "any" });
  return { ...schema, $comment: "Generated from src/config/schema.ts by `npm run build`; do not edit." };
}

export function writeJsonSchema(file: string = JSON_SCHEMA_FILE): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeJsonSchema()}`);
}
