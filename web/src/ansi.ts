/**
 * Script output with ANSI colours (SGR: ESC [ n ; n m) as HTML: text escaped, each styled run of
 * text a <span> with classes (ansi-fg-1, ansi-bold …) that the stylesheet colours for light and
 * dark themes. Other escape sequences (cursor moves, titles) are dropped: a tail is not a terminal.
 */

interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };

// CSI sequences (ESC [ params final-byte), OSC sequences (ESC ] ... BEL or ESC \), and lone two-byte escapes.
const ESCAPES = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function ansiToHtml(text: string): string {
  let html = "";
  let style: Style = { ...PLAIN };
  let last = 0;
  const emit = (chunk: string) => {
    if (chunk === "") return;
    const classes = classesOf(style);
    html += classes ? `<span class="${classes}">${escapeHtml(chunk)}</span>` : escapeHtml(chunk);
  };
  for (const match of text.matchAll(ESCAPES)) {
    emit(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === "m") style = applySgr(style, match[1] ?? "");
  }
  emit(text.slice(last));
  return html;
}

function applySgr(current: Style, params: string): Style {
  const codes = params === "" ? [0] : params.split(";").map((p) => (p === "" ? 0 : Number(p)));
  let style = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) style = { ...PLAIN };
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 22) style.bold = style.dim = false;
    else if (code === 23) style.italic = false;
    else if (code === 24) style.underline = false;
    else if (code >= 30 && code <= 37) style.fg = String(code - 30);
    else if (code >= 90 && code <= 97) style.fg = String(code - 90 + 8);
    else if (code === 39) style.fg = null;
    else if (code >= 40 && code <= 47) style.bg = String(code - 40);
    else if (code >= 100 && code <= 107) style.bg = String(code - 100 + 8);
    else if (code === 49) style.bg = null;
    else if (code === 38 || code === 48) {
      // 256-colour (5;n) and true-colour (2;r;g;b) forms: the 16 basic ones are kept, the rest shown plain.
      const mode = codes[i + 1];
      const n = codes[i + 2];
      if (mode === 5 && n !== undefined) {
        if (n < 16) style[code === 38 ? "fg" : "bg"] = String(n);
        i += 2;
      } else if (mode === 2) i += 4;
    }
  }
  return style;
}

function classesOf(style: Style): string {
  const classes: string[] = [];
  if (style.fg !== null) classes.push(`ansi-fg-${style.fg}`);
  if (style.bg !== null) classes.push(`ansi-bg-${style.bg}`);
  if (style.bold) classes.push("ansi-bold");
  if (style.dim) classes.push("ansi-dim");
  if (style.italic) classes.push("ansi-italic");
  if (style.underline) classes.push("ansi-underline");
  return classes.join(" ");
}
