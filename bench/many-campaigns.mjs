// The many-campaigns scenario (part of `npm run bench`): an agency account of 3,000 campaigns
// (300 ACTIVE, 200 PAUSED, 2,000 COMPLETED, 300 STOPPED, 200 DRAFTED, interleaved), 50 leads and
// 500 emails sent each, the two incremental streams (`leads`, `campaign_statistics`: the ones
// whose state is per campaign), default settings, on the bench's loopback server. Three syncs:
// the first, then two with the state of the one before (nothing changes on this server, so they
// are syncs with nothing new, minutes apart: inactive campaigns are not due). For each: STATE
// messages, their bytes against every other byte on stdout, the largest STATE, the final state,
// CPU (user + sys of the node process) and peak RSS, from /usr/bin/time -v. Writes its section of
// bench/RESULTS.md (between `<!-- many-campaigns -->` markers; the rest is left alone).
//
//   node bench/many-campaigns.mjs [--campaigns 3000] [--leads 50] [--statistics 500]
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { API_KEY, startServer } from "./server.mjs"
import { nodeFlagsOf, runToFile } from "./spawn.mjs"

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..")
const flag = (name, fallback) => {
  const at = process.argv.indexOf(name)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}
const CAMPAIGNS = flag("--campaigns", 3000)
const LEADS = flag("--leads", 50)
const STATISTICS = flag("--statistics", 500)
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined
const MAIN = join(ROOT, "dist", "main.js")
if (!existsSync(MAIN)) throw new Error("run `npm run build` first")

/** The account: 10 % ACTIVE, 6.7 % PAUSED, 66.7 % COMPLETED, 10 % STOPPED, 6.7 % DRAFTED, interleaved. */
const MIX = [["ACTIVE", 3], ["PAUSED", 2], ["COMPLETED", 20], ["STOPPED", 3], ["DRAFTED", 2]]
const cycle = MIX.flatMap(([status, n]) => Array.from({ length: n }, () => status))
const campaignSpec = Array.from({ length: CAMPAIGNS }, (_, i) => ({
  id: 2710262 + i,
  leads: LEADS,
  status: cycle[(i * 7) % cycle.length]
}))
const server = await startServer({ campaignSpec, statistics: STATISTICS })
const dir = mkdtempSync(join(tmpdir(), "bench-many-"))
const write = (name, value) => {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(value))
  return path
}
const config = write("config.json", { api_key: API_KEY, base_url: server.url, max_requests_per_second: 1000 })
const catalog = write("catalog.json", {
  streams: ["leads", "campaign_statistics"].map((name) => ({
    stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
    sync_mode: "incremental",
    destination_sync_mode: "append_dedup"
  }))
})

/** One sync: its stdout measured, and the state input for the next one. */
const sync = async (state) => {
  const args = [...nodeFlagsOf(MAIN), MAIN, "read", "--config", config, "--catalog", catalog]
  if (state !== undefined) args.push("--state", write("state.json", state))
  const out = join(dir, "stdout.jsonl")
  const command = TIME === undefined ? [process.execPath, ...args] : [TIME, "-v", process.execPath, ...args]
  const result = await runToFile(command, out)
  // stdout can pass 512 MB (a string's limit): read it a line at a time
  const lines = createInterface({ input: createReadStream(out, "utf8"), crlfDelay: Infinity })
  const figure = (label) => Number(new RegExp(`${label}: ([\\d.:]+)`).exec(result.stderr ?? "")?.[1] ?? NaN)
  let stateCount = 0, stateBytes = 0, otherBytes = 0, largest = 0, records = 0
  const finals = new Map()
  for await (const line of lines) {
    if (line.length === 0) continue
    const bytes = Buffer.byteLength(line) + 1
    if (line.startsWith("{\"type\":\"STATE\"")) {
      stateCount++
      stateBytes += bytes
      largest = Math.max(largest, bytes)
      const message = JSON.parse(line)
      finals.set(message.state.stream.stream_descriptor.name, message.state)
    } else {
      otherBytes += bytes
      if (line.startsWith("{\"type\":\"RECORD\"")) records++
    }
  }
  const next = [...finals.values()]
  return {
    exit: result.status,
    records,
    stateCount,
    stateBytes,
    otherBytes,
    largest,
    finalBytes: Buffer.byteLength(JSON.stringify(next)),
    cpuS: figure("User time \\(seconds\\)") + figure("System time \\(seconds\\)"),
    rssMb: figure("Maximum resident set size \\(kbytes\\)") / 1024,
    next
  }
}

const runs = []
let state
for (const name of ["first sync", "sync with nothing new", "sync with nothing new, again"]) {
  const result = await sync(state)
  runs.push({ name, ...result })
  state = result.next
  console.error(`${name}: exit ${result.exit}, ${result.records} records, ${result.stateCount} STATE`)
}
await server.close()
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true })
else console.error(dir)

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const lines = [
  "<!-- many-campaigns -->",
  "## The many-campaigns scenario",
  "",
  `Written by \`node bench/many-campaigns.mjs\` (part of \`npm run bench\`) on ${
    new Date().toISOString().slice(0, 10)
  }, Node ${process.version}: ${
    CAMPAIGNS.toLocaleString("en")
  } campaigns (10 % ACTIVE, 6.7 % PAUSED, 66.7 % COMPLETED, 10 % STOPPED, 6.7 % DRAFTED), ${LEADS} leads and ${STATISTICS} emails sent each, \`leads\` and \`campaign_statistics\` incremental, default settings (\`checkpoint_interval_seconds\` 60), the bench's loopback server. Targets (issue: checkpoints that scale with the account): STATE bytes ≤ 5 % of the other bytes on stdout, every STATE ≤ 256 KB, final state ≤ 512 KB, peak RSS ≤ 250 MB.`,
  "",
  "| | " + runs.map((r) => r.name).join(" | ") + " |",
  "|---|" + runs.map(() => "---").join("|") + "|",
  "| exit code | " + runs.map((r) => r.exit).join(" | ") + " |",
  "| records | " + runs.map((r) => r.records.toLocaleString("en")).join(" | ") + " |",
  "| STATE messages | " + runs.map((r) => r.stateCount).join(" | ") + " |",
  "| STATE bytes | " + runs.map((r) => kb(r.stateBytes)).join(" | ") + " |",
  "| other bytes on stdout | " + runs.map((r) => kb(r.otherBytes)).join(" | ") + " |",
  "| STATE ÷ other | " + runs.map((r) => `${((100 * r.stateBytes) / r.otherBytes).toFixed(1)} %`).join(" | ") + " |",
  "| largest STATE | " + runs.map((r) => kb(r.largest)).join(" | ") + " |",
  "| final state (both streams) | " + runs.map((r) => kb(r.finalBytes)).join(" | ") + " |",
  "| CPU (user + sys) | " + runs.map((r) => `${r.cpuS.toFixed(2)} s`).join(" | ") + " |",
  "| peak RSS | " + runs.map((r) => `${r.rssMb.toFixed(0)} MB`).join(" | ") + " |",
  ""
]
lines.push("<!-- /many-campaigns -->")
const RESULTS = join(ROOT, "bench", "RESULTS.md")
const existing = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : ""
const section = lines.join("\n")
const match = /<!-- many-campaigns -->[\s\S]*?<!-- \/many-campaigns -->/.exec(existing)
writeFileSync(
  RESULTS,
  match === null
    ? `${existing.trimEnd()}\n\n${section}\n`
    : existing.slice(0, match.index) + section + existing.slice(match.index + match[0].length)
)
console.error(section)
