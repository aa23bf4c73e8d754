import { defineConfig } from "vitest/config"

// Two rings: `unit` (test/unit: fakes and TestClock, no HTTP, one thread and one module graph so
// Effect loads once; `npm run test:unit`) and the end-to-end ring (everything else: the
// connector's programs against the simulator over loopback HTTP, mostly in the test process, the
// built executables as child processes where a run needs its own process, all of them with
// E2E_PROCESS=1). `vitest run` (in `npm test`) runs all three projects side by side.
// The end-to-end files, in two groups that run side by side, each in one process whose module
// graph loads once (isolate: false): files must leave no global state behind (environment
// variables they set are restored). "e2e-waits" holds the files that mostly wait on real clocks
// (timeouts, rate limits, signals), so they overlap with the CPU-bound rest.
const waiting = ["test/reliability/**/*.test.ts", "test/smartlead/Check.e2e.test.ts"]
const e2e = {
  testTimeout: 60_000,
  hookTimeout: 30_000,
  pool: "forks",
  isolate: false,
  poolOptions: { forks: { singleFork: true } }
} as const

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
          exclude: ["test/unit/**", ...waiting],
          ...e2e
        }
      },
      {
        test: {
          name: "e2e-waits",
          include: waiting,
          ...e2e
        }
      }
    ]
  }
})
