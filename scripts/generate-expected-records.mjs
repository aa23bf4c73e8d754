// Writes integration_tests/expected_records.jsonl: every record the built connector reads from the
// bundled SmartLead simulator (dist-dev/simulator.js, fixed seed and base time, both response
// shapes) with integration_tests/configured_catalog.json, sorted by stream (catalog order) and
// primary key (`fetched_at` fixed), one line per record in the layout of
// Airbyte's expected records ({"stream", "data", "emitted_at"}), `emitted_at` fixed at 0 so the
// file is reproducible. Run by `npm run generate` after the build; test/docs/Docs.e2e.test.ts checks
// the committed file against `expectedRecords()`.
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"

export const EXPECTED_RECORDS_PATH = "integration_tests/expected_records.jsonl"
const CATALOG_PATH = "integration_tests/configured_catalog.json"
/** What `fetched_at` (the sync's start on snapshot rows) is written as. */
const FETCHED_AT = "2025-06-01T00:00:00.000Z"
/** The simulator's data set: small, both response shapes, fixed seed and clock. */
export const SIMULATOR_ARGS = [
  "--campaigns",
  "2",
  "--leads",
  "3,2",
  "--shape",
  "mixed",
  "--seed",
  "14",
  "--base-time",
  "2025-06-01T00:00:00.000Z"
]

const startSimulator = (root) =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, "dist-dev/simulator.js"), ...SIMULATOR_ARGS], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`the simulator exited (${code}) before it was ready`)))
    createInterface({ input: child.stdout }).once("line", (line) => resolvePromise({ child, ...JSON.parse(line) }))
  })

/** The text of expected_records.jsonl, read now from the simulator with the built connector under `root`. */
export const expectedRecords = async (root) => {
  const catalog = JSON.parse(readFileSync(join(root, CATALOG_PATH), "utf8"))
  const sim = await startSimulator(root)
  const dir = mkdtempSync(join(tmpdir(), "expected-records-"))
  try {
    const config = join(dir, "config.json")
    writeFileSync(config, JSON.stringify({ api_key: sim.apiKey, base_url: sim.url, max_requests_per_second: 100 }))
    const stdout = await new Promise((resolvePromise, reject) =>
      execFile(
        process.execPath,
        [join(root, "dist/main.js"), "read", "--config", config, "--catalog", join(root, CATALOG_PATH)],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        (error, out, err) => (error ? reject(new Error(`read failed: ${error.message}\n${err}`)) : resolvePromise(out))
      )
    )
    // campaigns are read concurrently, so leads arrive in no fixed order: catalog order, then primary key
    const streams = catalog.streams.map((configured) => configured.stream.name)
    const keys = new Map(catalog.streams.map((configured) => [configured.stream.name, configured.primary_key ?? []]))
    const keyOf = (record) =>
      (keys.get(record.stream) ?? []).map((path) => path.reduce((value, step) => value?.[step], record.data))
    const compare = (a, b) => {
      const byStream = streams.indexOf(a.stream) - streams.indexOf(b.stream)
      if (byStream !== 0) return byStream
      const [ka, kb] = [keyOf(a), keyOf(b)]
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1
      return 0
    }
    return stdout
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line))
      .filter((message) => message.type === "RECORD")
      .map(({ record }) => record)
      // snapshot streams stamp each row with the sync's start: fixed here, as emitted_at is
      .map((record) =>
        record.data.fetched_at === undefined ? record : { ...record, data: { ...record.data, fetched_at: FETCHED_AT } }
      )
      .sort(compare)
      .map((record) => JSON.stringify({ stream: record.stream, data: record.data, emitted_at: 0 }) + "\n")
      .join("")
  } finally {
    sim.child.removeAllListeners("exit")
    sim.child.kill("SIGTERM")
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = fileURLToPath(new URL("..", import.meta.url))
  writeFileSync(join(root, EXPECTED_RECORDS_PATH), await expectedRecords(root))
  console.log(`wrote ${EXPECTED_RECORDS_PATH}`)
}
