/**
 * Where a value was written: maps a path in the parsed data (["tasks", "backup", "timeout"]) back
 * to a line and column of the YAML text, so every problem points at what to fix.
 */
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";

export type Path = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  col: number;
}

/** Where things are written: the YAML file's locator, or none for values given in code. */
export interface Locator {
  position(path: Path, part?: "key" | "value"): Position;
  /** The keys of the map at `path` in the order written, or null. */
  keysInOrder(path: Path): string[] | null;
  /** A scalar exactly as written (`08080` stays `08080`), or null. */
  sourceText(path: Path): string | null;
}

/** For values that come from code, not from a file: nothing has a position or a source text. */
export const NO_LOCATOR: Locator = {
  position: () => ({ line: 1, col: 1 }),
  keysInOrder: () => null,
  sourceText: () => null,
};

export class YamlLocator implements Locator {
  private readonly pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * The position of the value at `path`, or of its key with `part: "key"`. A path that does not
   * exist (a missing key) falls back to the nearest parent that does.
   */
  position(path: Path, part: "key" | "value" = "value"): Position {
    let node = this.resolve(this.doc.contents as Node | null);
    let position = this.start(node) ?? { line: 1, col: 1 };
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = this.pair(node, segment);
        if (!pair) break;
        const keyNode = pair.key as Node | null;
        const keyPosition = this.start(keyNode) ?? position;
        if (last && part === "key") return keyPosition;
        node = this.resolve(pair.value as Node | null);
        // `key:` with nothing after it: the key is what the reader sees.
        position = isEmptyScalar(node) ? keyPosition : (this.start(node) ?? keyPosition);
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        node = this.resolve(item);
        position = this.start(node) ?? position;
      } else {
        break;
      }
    }
    return position;
  }

  /** The node at `path`, or null when the path does not lead to one. */
  node(path: Path): Node | null {
    let node = this.resolve(this.doc.contents as Node | null);
    for (const segment of path) {
      if (isMap(node)) node = this.resolve((this.pair(node, segment)?.value as Node | undefined) ?? null);
      else if (isSeq(node) && typeof segment === "number") node = this.resolve((node.items[segment] as Node | undefined) ?? null);
      else return null;
    }
    return node;
  }

  /** The keys of the map at `path` in the order written (plain objects reorder integer-like keys). */
  keysInOrder(path: Path): string[] | null {
    const node = this.node(path);
    return isMap(node) ? node.items.map((p) => keyText(p.key)) : null;
  }

  /** A number or boolean exactly as written (`08080`, `1.0`, `True`), so scripts get what the file says. */
  sourceText(path: Path): string | null {
    const node = this.node(path);
    return isScalar(node) && typeof node.source === "string" && typeof node.value !== "string" ? node.source : null;
  }

  /** The text of the map key that starts at `offset` (where YAML reports a duplicate key). */
  keyAt(offset: number): string | null {
    let found: string | null = null;
    visit(this.doc, {
      Pair: (_, pair) => {
        if ((pair.key as Node | null)?.range?.[0] === offset) {
          found = keyText(pair.key);
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }

  offsetPosition(offset: number): Position {
    return this.lineCounter.linePos(offset);
  }

  /** Indexed, because every task looks itself up in `tasks`, which may hold thousands. */
  private pair(map: YAMLMap, key: string | number): Pair | undefined {
    let pairs = this.pairsByKey.get(map);
    if (!pairs) {
      // A duplicate key is already an error; the last one wins, as in the parsed data.
      pairs = new Map(map.items.map((pair) => [keyText(pair.key), pair]));
      this.pairsByKey.set(map, pairs);
    }
    return pairs.get(String(key));
  }

  private resolve(node: Node | null): Node | null {
    return isAlias(node) ? ((node.resolve(this.doc) as Node | undefined) ?? null) : node;
  }

  private start(node: Node | null): Position | null {
    const offset = node?.range?.[0];
    return offset === undefined ? null : this.lineCounter.linePos(offset);
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function isEmptyScalar(node: Node | null): boolean {
  return isScalar(node) && node.value === null && node.source === "";
}
