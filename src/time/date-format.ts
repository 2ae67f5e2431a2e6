import { zonedParts, type ZonedParts } from "./zones.js";

/**
 * Date formats for `{{ scheduled_at | date: FORMAT }}`, with the tokens users know from
 * date-fns/Java: yyyy yy MM dd HH mm ss SSS EEE, and 'quoted' literal text. Only these: a library
 * formatter would accept hundreds more (QQQQ, YYYY: the week-numbering year), and a token the
 * user did not mean must be an error when the file is loaded, not a surprise in a file name.
 * Checking and formatting read a format with the same tokenizer, so they cannot disagree.
 */

const TOKENS: Record<string, (parts: ZonedParts, date: Date) => string> = {
  yyyy: (p) => p.year,
  yy: (p) => p.year.slice(-2),
  MM: (p) => p.month,
  dd: (p) => p.day,
  HH: (p) => p.hour,
  mm: (p) => p.minute,
  ss: (p) => p.second,
  SSS: (_, date) => String(date.getUTCMilliseconds()).padStart(3, "0"),
  EEE: (p) => p.weekday,
};
const TOKEN_LIST = Object.keys(TOKENS).join(" ");

type Piece = { kind: "literal"; text: string } | { kind: "letters"; text: string } | { kind: "unclosed" };

/** 'quoted text' ('' is one quote), a run of one letter (`yyyy`, `MM`), or anything else as it is. */
const PIECE = /'([^']*)'|([A-Za-z])\2*|[^A-Za-z']+|'/g;

function* pieces(format: string): Generator<Piece> {
  for (const match of format.matchAll(PIECE)) {
    const [text, quoted, letter] = match;
    if (quoted !== undefined) yield { kind: "literal", text: quoted === "" ? "'" : quoted };
    else if (letter !== undefined) yield { kind: "letters", text };
    else if (text === "'") yield { kind: "unclosed" };
    else yield { kind: "literal", text };
  }
}

/** What is wrong with a format, or null when every letter in it is a documented token. */
export function dateFormatProblem(format: string): string | null {
  for (const piece of pieces(format)) {
    if (piece.kind === "unclosed") return "the quote ' is never closed: put literal text in 'quotes'";
    if (piece.kind === "letters" && !(piece.text in TOKENS)) {
      const hint = likelyToken(piece.text);
      return `"${piece.text}" is not a date token${hint ? ` (did you mean "${hint}"?)` : ""}; the tokens are ${TOKEN_LIST}, and other letters go in 'quotes'`;
    }
  }
  return null;
}

/** The token of the same letter in the other case, or of another length: `YYYY` → `yyyy`, `D` → `dd`. */
function likelyToken(letters: string): string | null {
  const sameLetter = Object.keys(TOKENS).filter((token) => token[0]!.toLowerCase() === letters[0]!.toLowerCase());
  const exactCase = sameLetter.filter((token) => token[0] === letters[0]);
  const candidates = exactCase.length > 0 ? exactCase : sameLetter;
  candidates.sort((a, b) => Math.abs(a.length - letters.length) - Math.abs(b.length - letters.length));
  return candidates[0] ?? null;
}

/** Formats `date` as seen in `timezone`; a format that dateFormatProblem refuses keeps its unknown letters as they are. */
export function formatDate(date: Date, format: string, timezone: string): string {
  const parts = zonedParts(date, timezone);
  let out = "";
  for (const piece of pieces(format)) {
    if (piece.kind === "literal") out += piece.text;
    else if (piece.kind === "letters") out += TOKENS[piece.text]?.(parts, date) ?? piece.text;
    else out += "'";
  }
  return out;
}
