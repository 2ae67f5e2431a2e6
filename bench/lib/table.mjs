/**
 * A result row: what was measured, our number, the baselines measured in the same run, the ratio
 * the target is judged on, and whether it passed (null: informational, no target).
 */

/** Numbers as people read them: 3 significant digits, no exponent. */
export function num(value, digits = 3) {
  if (value == null || Number.isNaN(value)) return "–";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(digits)).toString();
}

export function times(value) {
  return value == null ? "–" : `${num(value)}×`;
}

export function pct(value) {
  return value == null ? "–" : `${value < 0.01 && value > 0 ? value.toFixed(3) : num(value, 2)} %`;
}

/** `a / b / c` for p50 / p99 / max. */
export function triple(s) {
  return s ? `${num(s.p50)} / ${num(s.p99)} / ${num(s.max)}` : "–";
}

export function row({ scenario, metric, ours, baselines = "", ratio = "", target = "", pass = null, data = {} }) {
  return { scenario, metric, ours, baselines, ratio, target, pass, data };
}

const HEAD = ["Scenario", "Metric", "orchestrate", "Baselines (same run)", "Ratio", "Target", "Result"];

function cell(text) {
  return String(text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function verdict(pass) {
  return pass === true ? "pass" : pass === false ? "**FAIL**" : "info";
}

export function markdownTable(rows) {
  const lines = [`| ${HEAD.join(" | ")} |`, `|${HEAD.map(() => "---").join("|")}|`];
  for (const r of rows) {
    lines.push(`| ${[r.scenario, r.metric, r.ours, r.baselines, r.ratio, r.target, verdict(r.pass)].map(cell).join(" | ")} |`);
  }
  return lines.join("\n");
}
