/**
 * The import rules of src/ (run by test/unit/architecture.test.ts in `npm test`).
 *
 * Rooms are ordered from the bottom up: a room may import itself and the rooms below it, never one
 * above. That keeps the flow readable (config is loaded → a schedule decides what is due → a run
 * executes it → the engine wires them → the library and the CLI drive the engine) and lets each
 * lower room be tested, and replaced, without the ones above it.
 */
const ROOMS = [
  ["util", "^src/util/"],
  ["time", "^src/time/"],
  ["schedule", "^src/schedule/"],
  ["config", "^src/config/"],
  ["store", "^src/store/"],
  ["events", "^src/events/"],
  ["run", "^src/run/"],
  ["workflow", "^src/workflow/"],
  ["engine", "^src/engine/"],
  ["notify", "^src/notify/"],
  ["api", "^src/api/"],
  ["library", "^src/[^/]+\\.ts$"],
  ["cli", "^src/cli/"],
];

const upward = ROOMS.slice(0, -1).map(([name, path], i) => ({
  name: `${name}-imports-upward`,
  comment: `${name}/ is below ${ROOMS.slice(i + 1).map(([above]) => above).join(", ")}: it must not import them`,
  severity: "error",
  from: { path },
  to: { path: ROOMS.slice(i + 1).map(([, above]) => above) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: put what both sides share in the lower file",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
