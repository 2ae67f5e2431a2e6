/** The dependency graph of a workflow's steps: cycles (a validation error) and what lies upstream. */

export interface StepNode {
  name: string;
  dependsOn: readonly string[];
}

/**
 * A cycle, as the steps in order with the first repeated at the end (`a -> b -> a`), or null.
 * Dependencies on steps that do not exist are ignored here (they are their own error).
 */
export function findCycle(steps: readonly StepNode[]): string[] | null {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const step of steps) {
    const cycle = visit(step.name);
    // Found walking dependencies, so it reads against them; people read a chain forwards.
    if (cycle) return cycle.reverse();
  }
  return null;
}

/** Every step each step depends on, directly or through others. */
export function upstreamOf(steps: readonly StepNode[]): Map<string, Set<string>> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const memo = new Map<string, Set<string>>();
  const collect = (name: string, seen: Set<string>): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const all = new Set<string>();
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep) || seen.has(dep)) continue;
      all.add(dep);
      for (const further of collect(dep, new Set([...seen, dep]))) all.add(further);
    }
    memo.set(name, all);
    return all;
  };
  return new Map(steps.map((s) => [s.name, collect(s.name, new Set([s.name]))]));
}
