/**
 * The YAML text as a Document, as yaml's parseDocument makes it, with a guard in between: the
 * syntax tree is measured before it is composed, because composing (and every reader after it)
 * recurses once per level, and a file nested thousands of levels deep would exhaust the stack.
 */
import { Composer, Parser, YAMLParseError, type CST, type Document, type LineCounter } from "yaml";

/** Far beyond any orchestration.yaml (tasks.NAME.repeat[0].params[0].KEY is 6), far below the stack's limit. */
export const MAX_NESTING = 64;

export type ParsedYaml = { doc: Document; tooDeepAt: null } | { doc: null; tooDeepAt: number };

export function parseYaml(text: string, lineCounter: LineCounter): ParsedYaml {
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooDeepAt = firstTooDeep(tokens);
  if (tooDeepAt !== null) return { doc: null, tooDeepAt };
  // uniqueKeys: yaml's own check is quadratic; load.ts finds duplicates in one pass.
  const composer = new Composer({ uniqueKeys: false, merge: true });
  let doc: Document | null = null;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], "MULTIPLE_DOCS", "Source contains multiple documents"));
      break;
    }
  }
  return { doc: doc!, tooDeepAt: null };
}

/** The offset of the first collection nested more than MAX_NESTING deep, in document order; null if none is. */
function firstTooDeep(tokens: CST.Token[]): number | null {
  // Walked with a stack of its own, not by recursion: that is the point.
  const stack: Array<[CST.Token, number]> = [];
  for (const token of [...tokens].reverse()) if (token.type === "document" && token.value) stack.push([token.value, 1]);
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [token, depth] = top;
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection") continue;
    if (depth > MAX_NESTING) return token.offset;
    const children: CST.Token[] = [];
    for (const item of token.items) {
      if ("key" in item && item.key) children.push(item.key);
      if (item.value) children.push(item.value);
    }
    for (const child of children.reverse()) stack.push([child, depth + 1]);
  }
  return null;
}
