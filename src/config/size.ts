/**
 * Sizes for `history.output_limit`: `64KiB`, `1MB`, `512KB`, `100B`, or a number of bytes. KB/MB/GB
 * are decimal and KiB/MiB/GiB binary, as the IEC names say; case does not matter.
 */
const SIZE = /^(\d+(?:\.\d+)?) ?([kmg]i?)?b$/i;
/** Also the JSON Schema pattern. */
export const SIZE_PATTERN = "^\\d+(?:\\.\\d+)? ?([KkMmGg][Ii]?)?[Bb]$";

const MULTIPLIERS: Record<string, number> = {
  "": 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
};

/** Bytes, or null when `input` is not a size. */
export function parseSize(input: string | number): number | null {
  if (typeof input === "number") return Number.isInteger(input) && input >= 0 ? input : null;
  const match = SIZE.exec(input.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * MULTIPLIERS[(match[2] ?? "").toLowerCase()]!);
}
