import { defineConfig } from "vitest/config"

// Two rings: `unit` (test/unit: in-process, no child processes, one shared module graph so Effect
// loads once; `npm run test:unit`) and `e2e` (everything else: the built connector and the
// simulator as child processes). `vitest run` (in `npm test`) runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          pool: "threads",
          isolate: false,
          poolOptions: { threads: { singleThread: true } }
        }
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
          pool: "forks",
          poolOptions: { forks: { maxForks: 2, minForks: 1 } }
        }
      }
    ]
  }
})
