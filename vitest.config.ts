import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests spawn real daemons with per-second schedules: two at once is what a busy
    // 2-core machine can carry without turning timing into noise.
    maxWorkers: 2,
    pool: "forks",
  },
});
