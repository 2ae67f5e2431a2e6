import type { z } from "zod";
import { defaultMessage } from "./issues.js";

export interface Lenient<T> {
  /** The fields that passed the schema. */
  value: T;
  /** Everything written, valid or not: a written but invalid field is not absent, just unusable. */
  raw: Record<string, unknown>;
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The valid part of a map: the schema's issues are reported elsewhere, but the rules that span
 * fields (two triggers, cron in a timezone, files) should still run on every field that is fine,
 * so one typo does not hide the other problems.
 */
export function parseLeniently<T>(schema: z.ZodType<T>, raw: unknown, onIssues?: (issues: z.core.$ZodIssue[]) => void): Lenient<T> | null {
  // One parse both reports (when asked) and finds the valid part: a large file's tasks are parsed once.
  const first = schema.safeParse(raw, onIssues && { reportInput: true, error: defaultMessage });
  if (!first.success) onIssues?.(first.error.issues);
  if (!isPlainMap(raw)) return null;
  if (first.success) return { value: first.data, raw };
  const invalid = new Set<string>();
  for (const issue of first.error.issues) {
    if (issue.code === "unrecognized_keys" && issue.path.length === 0) for (const key of issue.keys) invalid.add(key);
    else if (issue.path.length > 0) invalid.add(String(issue.path[0]));
  }
  const valid = Object.fromEntries(Object.entries(raw).filter(([key]) => !invalid.has(key)));
  const second = schema.safeParse(valid);
  return second.success ? { value: second.data, raw } : null;
}
