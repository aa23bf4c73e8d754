// The connector benchmark (issue 7; targets of issue 23, against the peer). Plain Node, no test
// runner. `npm run bench` builds first; this script expects dist/main.js to exist.
//
//   node bench/run.mjs [--runs 5] [--only a,b,c,d,e,f] [--strict] [--node /path/to/node] [--no-peer]
//
// The peer is ../shared/bench-peer (the `leads` stream on faros-airbyte-cdk), built into a
// temporary folder when present (see "the peer" below); without it the peer rows are left out.
//
//   a. throughput: 20 campaigns × 5,000 leads, no latency, page size 100: connector, peer and the
//      baseline (bench/baseline.mjs: the least work one process can do for the same RECORD lines;
//      both must print the same record bytes), interleaved; records per CPU-second, connector ÷
//      peer (target ≥ 1.5), and records/s against both
//   b. rate-limited: 30 campaigns × 200 leads, 250 ms per request, server limit 10 req/s,
//      max_requests_per_second 10: records/s, connector ÷ peer (target ≥ 1.5), connector 429s
//      (target 0), wall time against requests ÷ rate
//   c. memory: peak RSS reading one campaign of 200,000 leads, connector ÷ peer (target ≤ 1.0,
//      medians), growth of the connector's peak from 20,000 to 200,000 leads (target ≤ 20 MB);
//      the baseline too
//   d. start-up: `node dist/main.js spec`, the peer's `spec` and `node -e 0`, medians of ≥ 10
//      runs; connector ÷ peer (target ≤ 0.75)
//   e. statistics throughput: campaign_statistics of 20 campaigns × 2,000 emails sent (pages of 100,
//      ~2 kB of email HTML a row, left out of the records), connector vs the baseline's
//      `--endpoint statistics`, records/s and their ratio (reported like a)
//   f. (only with --only …,f) one campaign of 1,000,000 leads against 200,000: the same peak RSS
//      (target: ratio within 0.9–1.1)
//
// The connector runs as its image's ENTRYPOINT runs it: `node <flags> dist/main.js`, the flags read
// from the launcher's first line (`#!/usr/bin/env -S node <flags>`, which the Dockerfile repeats). Every
// process (connector, baseline, `node -e 0`) runs on the same Node: this one, or --node (the image
// has Node 24, whose compile cache the launcher uses; Node 20 loads the bundle without one).
// The SmartLead server (bench/server.mjs) runs in its own forked process on 127.0.0.1, so the
// runner's counting sink never slows it down. Every child has a deadline, the whole run has a
// watchdog, and children and the server are killed on every way out. Prints a table and writes
// the same to bench/RESULTS.md. Exit code: 1 if a run failed (wrong record count, non-zero exit,
// timeout); with --strict also 1 when a target is missed; else 0.
import { execFileSync, fork, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { nodeFlagsOf } from "./spawn.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "..")
const MAIN = path.join(root, "dist", "main.js")
const argv0 = process.argv.slice(2)
const NODE = argv0.includes("--node") ? path.resolve(argv0[argv0.indexOf("--node") + 1]) : process.execPath
const API_KEY = "bench-key"

// ----- options -----------------------------------------------------------------------------------
const argv = process.argv.slice(2)
const flag = (name, fallback) => {
  const index = argv.indexOf(name)
  return index < 0 ? fallback : argv[index + 1]
}
const RUNS = Math.max(1, Number(flag("--runs", "5")) || 5)
const ONLY = new Set(String(flag("--only", "a,b,c,d,e")).split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))
const NO_PEER = argv.includes("--no-peer")
const STRICT = argv.includes("--strict")
const WATCHDOG_MS = Number(flag("--watchdog-seconds", "900")) * 1000
for (const part of ONLY) {
  if (!"abcdef".includes(part) || part.length !== 1) die(`unknown part ${part} (use --only a,b,c,d,e,f)`)
}
if (!existsSync(MAIN)) die(`${MAIN} is missing: run \`npm run build\` first (or \`npm run bench\`)`)

function die(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

// ----- process hygiene ---------------------------------------------------------------------------
const children = new Set()
const tmp = mkdtempSync(path.join(os.tmpdir(), "smartlead-bench-"))
// dist/ holds the launchers (main.js, tap.js), the program bundles (*.cjs) and their source maps;
// every run uses one snapshot of it, so a rebuild in the middle of the benchmark (someone else
// running `npm run build`) cannot mix two versions. A package.json {"type":"module"} sits above
// it, as in the project. Where Node has a compile cache (≥ 22.1), the launcher keeps it in the
// snapshot's dist/, filled by the warm-up runs.
const BUNDLE_MTIME = statSync(MAIN).mtime
cpSync(path.join(root, "dist"), path.join(tmp, "dist"), { recursive: true })
writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ type: "module" }))
const BUNDLE = path.join(tmp, "dist", "main.js")
/** The connector as its image runs it: node, the launcher's V8 flags, dist/main.js. */
const CONNECTOR = [...nodeFlagsOf(BUNDLE), BUNDLE]
const bundleFiles = readdirSync(path.join(tmp, "dist"), { recursive: true })
  .map(String)
  .filter((file) => /\.(js|cjs|mjs|map)$/.test(file))
  .sort()
const BUNDLE_SHA = bundleFiles
  .reduce((hash, file) => hash.update(file).update(readFileSync(path.join(tmp, "dist", file))), createHash("sha256"))
  .digest("hex")
  .slice(0, 12)
const BUNDLE_SIZE = bundleFiles.reduce((sum, file) => sum + statSync(path.join(tmp, "dist", file)).size, 0)
const killAll = () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL")
    } catch {
      // already gone
    }
  }
  children.clear()
}
process.on("exit", () => {
  killAll()
  rmSync(tmp, { recursive: true, force: true })
})
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`)
    process.exit(130)
  })
}
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: watchdog: still running after ${WATCHDOG_MS / 1000} s, giving up\n`)
  process.exit(2)
}, WATCHDOG_MS)
watchdog.unref()

const log = (text) => process.stderr.write(`${text}\n`)
const LOAD_AT_START = os.loadavg()
if (LOAD_AT_START[0] > os.availableParallelism() / 2) {
  log(
    `bench: warning: load average ${
      LOAD_AT_START[0].toFixed(2)
    } on ${os.availableParallelism()} CPUs; other work on the machine will skew the figures`
  )
}

// ----- the peer ----------------------------------------------------------------------------------
// ../shared/bench-peer (beside the project's checkout, when present) is the same `leads` stream
// written on faros-airbyte-cdk: what a user would pick instead. It is never imported nor copied
// into the project: it is built into a folder under the system's temporary directory (named by a
// hash of its sources, so later runs reuse the build), as its README says, and run as a separate
// process on the same Node. Absent (or with --no-peer, or if its build fails) the peer columns are
// left out and the table says why.
const PEER_SOURCE = path.resolve(root, "..", "shared", "bench-peer")
let PEER_NOTE = ""
const buildPeer = () => {
  if (NO_PEER) return void (PEER_NOTE = "peer left out (--no-peer)")
  if (!existsSync(path.join(PEER_SOURCE, "package.json"))) {
    return void (PEER_NOTE = `peer left out: ${PEER_SOURCE} is absent`)
  }
  const hash = createHash("sha256")
  for (
    const file of readdirSync(PEER_SOURCE, { recursive: true }).map(String).filter((f) =>
      !f.startsWith("node_modules") && !f.startsWith("lib")
    ).sort()
  ) {
    const full = path.join(PEER_SOURCE, file)
    if (statSync(full).isFile()) hash.update(file).update(readFileSync(full))
  }
  const dir = path.join(os.tmpdir(), `source-smartlead-bench-peer-${hash.digest("hex").slice(0, 12)}`)
  const main = path.join(dir, "bin", "main")
  if (!existsSync(path.join(dir, "lib", "index.js"))) {
    log(`bench: building the peer into ${dir} (npm ci && npm run build)`)
    try {
      rmSync(dir, { recursive: true, force: true })
      cpSync(PEER_SOURCE, dir, {
        recursive: true,
        filter: (from) => !/[\\/](node_modules|lib)([\\/]|$)/.test(path.relative(PEER_SOURCE, from))
      })
      execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })
      execFileSync("npm", ["run", "build"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      return void (PEER_NOTE = `peer left out: its build failed (${String(error.message).split("\n")[0]})`)
    }
  }
  PEER_NOTE = `peer: ${path.relative(root, PEER_SOURCE)} built in ${dir}`
  return main
}
const PEER = ONLY.has("a") || ONLY.has("b") || ONLY.has("c") || ONLY.has("d") ? buildPeer() : undefined
if (PEER_NOTE) log(`bench: ${PEER_NOTE}`)

// ----- the SmartLead server, forked --------------------------------------------------------------
const startServer = (options) =>
  new Promise((resolve, reject) => {
    const child = fork(path.join(here, "server.mjs"), [], {
      env: { ...process.env, BENCH_SERVER: JSON.stringify(options) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: ["--max-old-space-size=4096"]
    })
    children.add(child)
    const waiting = []
    const timer = setTimeout(() => reject(new Error("server did not start within 60 s")), 60_000)
    child.on("exit", (code) => {
      children.delete(child)
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}`))
      for (const w of waiting.splice(0)) w.reject(new Error("server exited"))
    })
    child.on("message", (message) => {
      if (message.type === "ready") {
        clearTimeout(timer)
        const ask = (type) =>
          new Promise((res, rej) => {
            waiting.push({ type, resolve: res, reject: rej })
            child.send({ type })
          })
        resolve({
          ...message,
          stats: async () => (await ask("stats")).stats,
          reset: () => ask("reset"),
          close: () =>
            new Promise((res) => {
              if (child.exitCode !== null) return res()
              const kill = setTimeout(() => child.kill("SIGKILL"), 5000)
              child.once("exit", () => {
                clearTimeout(kill)
                res()
              })
              child.kill("SIGTERM")
            })
        })
      } else {
        const index = waiting.findIndex((w) => w.type === message.type)
        if (index >= 0) waiting.splice(index, 1)[0].resolve(message)
      }
    })
  })

// ----- children with a counting sink -------------------------------------------------------------
const RECORD_PREFIX = Buffer.from("{\"type\":\"RECORD\"")

/** Counts protocol lines as they stream by; never holds more than one partial line. */
const makeSink = () => {
  const counts = { records: 0, recordBytes: 0, states: 0, traces: 0, logs: 0, other: 0, bytes: 0, errors: [] }
  let carry = null
  const line = (buf, start, end) => {
    if (
      end - start >= RECORD_PREFIX.length &&
      buf.compare(RECORD_PREFIX, 0, RECORD_PREFIX.length, start, start + RECORD_PREFIX.length) === 0
    ) {
      counts.records++
      counts.recordBytes += end - start + 1
      return
    }
    if (end === start) return
    let message
    try {
      message = JSON.parse(buf.toString("utf8", start, end))
    } catch {
      counts.other++
      if (counts.errors.length < 5) {
        counts.errors.push(`not JSON: ${buf.toString("utf8", start, Math.min(end, start + 200))}`)
      }
      return
    }
    switch (message.type) {
      case "RECORD":
        counts.records++
        break
      case "STATE":
        counts.states++
        break
      case "TRACE":
        counts.traces++
        if (message.trace?.type === "ERROR" && counts.errors.length < 5) {
          counts.errors.push(`TRACE ERROR: ${message.trace.error?.message}`)
        }
        break
      case "LOG":
        counts.logs++
        if ((message.log?.level === "ERROR" || message.log?.level === "FATAL") && counts.errors.length < 5) {
          counts.errors.push(`LOG ${message.log.level}: ${message.log.message}`)
        }
        break
      default:
        counts.other++
    }
  }
  return {
    counts,
    write: (chunk) => {
      counts.bytes += chunk.length
      const buf = carry === null ? chunk : Buffer.concat([carry, chunk])
      let start = 0
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        line(buf, start, nl)
        start = nl + 1
      }
      carry = start < buf.length ? buf.subarray(start) : null
    },
    end: () => {
      if (carry !== null) line(carry, 0, carry.length)
      carry = null
    }
  }
}

/** Runs a command with stdout into a counting sink; resolves with wall time, exit code, counts, stderr tail. */
const run = (command, args, { timeoutMs }) =>
  new Promise((resolve) => {
    const sink = makeSink()
    let stderr = ""
    const started = process.hrtime.bigint()
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeoutMs)
    child.stdout.on("data", sink.write)
    child.stderr.on("data", (chunk) => {
      stderr += chunk.toString("utf8")
      if (stderr.length > 65_536) stderr = stderr.slice(-32_768)
    })
    child.on("close", (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      clearTimeout(timer)
      children.delete(child)
      sink.end()
      resolve({ wallMs, code, signal, timedOut, ...sink.counts, stderr, pid: child.pid })
    })
    child.on("error", (error) => {
      stderr += String(error)
    })
  })

const writeJson = (name, value) => {
  const file = path.join(tmp, name)
  writeFileSync(file, JSON.stringify(value))
  return file
}
const leadsCatalog = writeJson("catalog.json", {
  streams: [{
    stream: { name: "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
    sync_mode: "full_refresh",
    destination_sync_mode: "overwrite"
  }]
})
const connectorArgs = (configFile) => [...CONNECTOR, "read", "--config", configFile, "--catalog", leadsCatalog]
const baselineArgs = (
  url,
  extra = []
) => [path.join(here, "baseline.mjs"), "--base-url", url, "--api-key", API_KEY, "--page-size", "100", ...extra]
/** The peer reads the connector's config file (same fields); its own spec ignores the others. */
const peerArgs = (configFile) => [PEER, "read", "--config", configFile, "--catalog", leadsCatalog]

const failures = []
/** Checks a run: exit 0, no timeout, the expected record count. Returns whether it is usable. */
const check = (label, result, expected) => {
  const problems = []
  if (result.timedOut) problems.push("timed out")
  if (result.code !== 0) problems.push(`exit code ${result.code}${result.signal ? ` (${result.signal})` : ""}`)
  if (expected !== undefined && result.records !== expected) {
    problems.push(`${result.records} records, expected ${expected}`)
  }
  if (problems.length === 0) return true
  const detail = [...result.errors, result.stderr.trim().split("\n").slice(-5).join("\n")].filter(Boolean).join(
    "\n    "
  )
  failures.push(`${label}: ${problems.join(", ")}${detail ? `\n    ${detail}` : ""}`)
  log(`  ! ${label}: ${problems.join(", ")}`)
  return false
}

// ----- statistics & formatting -------------------------------------------------------------------
const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const summary = (values) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
  n: values.length,
  values
})
const fmt = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a"
const fmtSummary = (s, digits = 0, unit = "") =>
  s.n === 0 ? "n/a" : `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`

const rows = [] // { part, figure, value, target, pass }
const details = [] // markdown lines with the raw numbers
const verdict = (pass) => (pass === undefined ? "n/a" : pass ? "PASS" : "MISS")

// ----- a. throughput -----------------------------------------------------------------------------
const partA = async () => {
  const campaigns = 20
  const leads = 5000
  const expected = campaigns * leads
  log(`a. throughput: ${campaigns} campaigns × ${leads} leads, page size 100, no latency`)
  const server = await startServer({ campaigns, leads, pageSize: 100 })
  try {
    const config = writeJson("a-config.json", {
      api_key: API_KEY,
      base_url: server.url,
      page_size: 100,
      max_requests_per_second: 100000,
      max_retries: 2,
      request_timeout_seconds: 30
    })
    // warm-up (file cache, compile cache, the server's JIT)
    await run(NODE, connectorArgs(config), { timeoutMs: 120_000 })
    await run(NODE, baselineArgs(server.url), { timeoutMs: 120_000 })
    if (PEER) await run(NODE, peerArgs(config), { timeoutMs: 180_000 })
    const connector = []
    const baseline = []
    const ratios = []
    const cpuRatios = []
    const peer = { rates: [], cpuMs: [], connectorCpuMs: [], ratios: [], cpuRatios: [] }
    for (let i = 0; i < RUNS; i++) {
      await server.reset()
      const c = await runCpu(connectorArgs(config), { timeoutMs: 120_000 })
      const stats = await server.stats()
      if (PEER) {
        const p = await runCpu(peerArgs(config), { timeoutMs: 180_000 })
        if (check(`a peer run ${i + 1}`, p, expected) && c.code === 0 && c.records === expected) {
          const pRate = expected / (p.wallMs / 1000)
          peer.rates.push(pRate)
          peer.cpuMs.push(p.cpuMs)
          peer.connectorCpuMs.push(c.cpuMs)
          peer.ratios.push(expected / (c.wallMs / 1000) / pRate)
          peer.cpuRatios.push(p.cpuMs / c.cpuMs)
          log(
            `  run ${i + 1}: peer ${fmt(pRate)} rec/s (${fmt(p.wallMs)} ms, CPU ${fmt(p.cpuMs)} ms; connector CPU ${
              fmt(c.cpuMs)
            } ms)`
          )
        }
      }
      const b = await runCpu(baselineArgs(server.url), { timeoutMs: 120_000 })
      const cOk = check(`a connector run ${i + 1}`, c, expected)
      const bOk = check(`a baseline run ${i + 1}`, b, expected)
      const cRate = expected / (c.wallMs / 1000)
      const bRate = expected / (b.wallMs / 1000)
      log(
        `  run ${i + 1}: connector ${fmt(cRate)} rec/s (${
          fmt(c.wallMs)
        } ms, ${stats.requests} requests, ${c.states} STATEs), baseline ${fmt(bRate)} rec/s (${fmt(b.wallMs)} ms)`
      )
      if (cOk) connector.push(cRate)
      if (bOk) baseline.push(bRate)
      if (cOk && bOk) ratios.push(cRate / bRate)
      if (cOk && bOk && c.cpuMs > 0 && b.cpuMs > 0) cpuRatios.push(b.cpuMs / c.cpuMs)
      if (cOk && bOk && c.recordBytes !== b.recordBytes) {
        failures.push(
          `a run ${
            i + 1
          }: the connector printed ${c.recordBytes} bytes of RECORD lines, the baseline ${b.recordBytes}: they no longer do the same work`
        )
      }
    }
    const cs = summary(connector)
    const bs = summary(baseline)
    const rs = summary(ratios)
    const cpu = summary(cpuRatios)
    if (PEER) {
      const pc = summary(peer.cpuRatios)
      rows.push({
        part: "a",
        figure: "records per CPU-second, connector ÷ peer (CPU = user + sys)",
        value: `${fmtSummary(pc, 2)}; CPU ${fmt(median(peer.connectorCpuMs))} vs ${fmt(median(peer.cpuMs))} ms`,
        target: "≥ 1.5",
        pass: pc.n > 0 ? pc.median >= 1.5 : false
      })
      rows.push({
        part: "a",
        figure: "throughput (wall), connector ÷ peer",
        value: `${fmtSummary(summary(peer.ratios), 2)}; peer ${fmtSummary(summary(peer.rates))} rec/s`,
        target: "",
        pass: undefined
      })
      details.push(
        `### a. against the peer`,
        "",
        `The peer runs right after the connector in each round, on the same server and config.`,
        "",
        `- peer records/s: ${peer.rates.map((v) => fmt(v)).join(", ")}`,
        `- CPU (user + sys, ms), connector: ${peer.connectorCpuMs.map((v) => fmt(v)).join(", ")}; peer: ${
          peer.cpuMs.map((v) => fmt(v)).join(", ")
        }`,
        `- records per CPU-second, connector ÷ peer: ${peer.cpuRatios.map((v) => fmt(v, 2)).join(", ")}`,
        ""
      )
    }
    rows.push({
      part: "a",
      figure: "throughput, connector (records/s)",
      value: fmtSummary(cs),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "a",
      figure: "throughput, baseline (records/s)",
      value: fmtSummary(bs),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "a",
      figure: "throughput ratio connector/baseline",
      value: fmtSummary(rs, 2),
      target: "",
      pass: undefined
    })
    if (cpu.n > 0) {
      rows.push({
        part: "a",
        figure: "records per CPU-second, connector/baseline (less load-sensitive)",
        value: fmtSummary(cpu, 2),
        target: "",
        pass: undefined
      })
    }
    details.push(
      `### a. throughput (${campaigns} × ${fmt(leads)} leads = ${fmt(expected)} records, page size 100, no latency)`,
      "",
      `Records/s = records ÷ wall time of the whole process (spawn to exit, start-up included). Connector and baseline runs alternate; the ratio is per pair.`,
      `The baseline (bench/baseline.mjs) reads the same pages with undici keep-alive, ${
        Math.min(campaigns, 8)
      } campaigns at a time like the connector, and prints the same RECORD lines (their byte counts are compared on every run) without validation, retries, rate limit, STATE or logs.`,
      "",
      `- connector records/s: ${connector.map((v) => fmt(v)).join(", ")}`,
      `- baseline records/s: ${baseline.map((v) => fmt(v)).join(", ")}`,
      `- ratio: ${ratios.map((v) => fmt(v, 2)).join(", ")}`,
      `- CPU time (user + sys) per run, connector ÷ baseline inverted (records per CPU-second ratio): ${
        cpuRatios.map((v) => fmt(v, 2)).join(", ")
      }`,
      ""
    )
  } finally {
    await server.close()
  }
}

/** The smallest gap between two arrivals, and the most arrivals within any 1 s (a ≤ t < a + 1000). */
const spacingOf = (arrivals) => {
  const times = arrivals.map(([at]) => at).sort((x, y) => x - y)
  let minGap = Infinity
  let maxInSecond = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    if (i > 0) minGap = Math.min(minGap, times[i] - times[i - 1])
    while (times[i] - times[j] >= 1000) j++
    maxInSecond = Math.max(maxInSecond, i - j + 1)
  }
  return { minGap, maxInSecond }
}

// ----- b. latency-bound --------------------------------------------------------------------------
const partB = async () => {
  const campaigns = 30
  const leads = 200
  const rate = 10
  const latencyMs = 250
  const expected = campaigns * leads
  log(
    `b. latency-bound: ${campaigns} campaigns × ${leads} leads, ${latencyMs} ms per request, server limit ${rate} req/s`
  )
  const server = await startServer({ campaigns, leads, pageSize: 100, latencyMs, rateLimit: rate })
  try {
    const config = writeJson("b-config.json", {
      api_key: API_KEY,
      base_url: server.url,
      page_size: 100,
      max_requests_per_second: rate,
      max_retries: 5,
      request_timeout_seconds: 30
    })
    const ratios = []
    const walls = []
    const rejected = []
    const requestCounts = []
    const active = []
    const gaps = []
    const busiest = []
    const peer = { rates: [], requests: [], rejected: [], ratios: [] }
    for (let i = 0; i < RUNS; i++) {
      await server.reset()
      // the server's sliding window must not carry requests of the previous run
      await new Promise((r) => setTimeout(r, 1100))
      const result = await run(NODE, connectorArgs(config), { timeoutMs: 90_000 })
      const stats = await server.stats()
      const ok = check(`b run ${i + 1}`, result, expected)
      if (PEER) {
        await server.reset()
        await new Promise((r) => setTimeout(r, 1100))
        const p = await run(NODE, peerArgs(config), { timeoutMs: 180_000 })
        const pStats = await server.stats()
        if (check(`b peer run ${i + 1}`, p, expected)) {
          peer.rates.push(expected / (p.wallMs / 1000))
          peer.requests.push(pStats.requests)
          peer.rejected.push(pStats.status429)
          if (ok) peer.ratios.push(result.wallMs > 0 ? p.wallMs / result.wallMs : NaN)
        }
        log(`  run ${i + 1}: peer ${fmt(p.wallMs)} ms, ${pStats.requests} requests, ${pStats.status429} × 429`)
      }
      // the bound counts the requests the read needs (answered 200), not retries of 429s
      const bound = (stats.ok / rate) * 1000
      const spacing = spacingOf(stats.arrivals)
      log(
        `  run ${i + 1}: ${fmt(result.wallMs)} ms for ${stats.ok} requests (+${
          stats.requests - stats.ok
        } rejected; bound ${fmt(bound)} ms, ×${
          fmt(result.wallMs / bound, 2)
        }), ${stats.status429} × 429, max ${stats.maxInFlight} in flight, arrivals: min gap ${
          fmt(spacing.minGap)
        } ms, max ${spacing.maxInSecond} in any 1 s`
      )
      rejected.push(stats.status429)
      requestCounts.push(stats.ok)
      gaps.push(spacing.minGap)
      busiest.push(spacing.maxInSecond)
      if (ok) {
        walls.push(result.wallMs / 1000)
        ratios.push(result.wallMs / bound)
        active.push((stats.lastEndAt - stats.firstAt) / 1000)
      }
    }
    const ws = summary(walls)
    const rs = summary(ratios)
    const total429 = rejected.reduce((x, y) => x + y, 0)
    const requests = median(requestCounts)
    rows.push({
      part: "b",
      figure: `latency-bound wall time (s; bound ${fmt(requests / rate, 1)} s = ${requests} requests ÷ ${rate}/s)`,
      value: fmtSummary(ws, 2),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "b",
      figure: "latency-bound wall time ÷ bound",
      value: fmtSummary(rs, 2),
      target: "",
      pass: undefined
    })
    if (PEER) {
      const pr = summary(peer.ratios)
      rows.push({
        part: "b",
        figure: "rate-limited records/s, connector ÷ peer (= peer wall ÷ connector wall)",
        value: `${fmtSummary(pr, 2)}; connector ${fmt(expected / median(walls))}, peer ${
          fmt(median(peer.rates))
        } rec/s`,
        target: "≥ 1.5",
        pass: pr.n > 0 ? pr.median >= 1.5 : false
      })
      details.push(
        `### b. against the peer`,
        "",
        `Each round runs the peer after the connector on the same server, with the window cleared between them.`,
        "",
        `- peer records/s: ${peer.rates.map((v) => fmt(v)).join(", ")}; requests ${peer.requests.join(", ")}; 429s ${
          peer.rejected.join(", ")
        }`,
        `- connector ÷ peer: ${peer.ratios.map((v) => fmt(v, 2)).join(", ")}`,
        ""
      )
    }
    rows.push({
      part: "b",
      figure: "latency-bound 429s received (all runs)",
      value: `${total429} (per run: ${rejected.join(", ")})`,
      target: "0",
      pass: total429 === 0
    })
    details.push(
      `### b. latency-bound (${campaigns} × ${leads} leads, ${latencyMs} ms per request, server limit ${rate} req/s, max_requests_per_second ${rate})`,
      "",
      `Server-side limit: a sliding 1 s window of accepted requests (as in test/simulator), counted at arrival; over it → 429 with Retry-After: 1. Requests are counted at the server; the bound is the requests answered 200 (the ones the read needs) ÷ ${rate}/s, so retries after a 429 count against the connector. Wall time is spawn to exit of the connector process.`,
      "",
      `- requests per run: ${requestCounts.join(", ")}`,
      `- wall time (s): ${walls.map((v) => fmt(v, 2)).join(", ")}`,
      `- first request → last response at the server (s): ${active.map((v) => fmt(v, 2)).join(", ")}`,
      `- wall ÷ bound: ${ratios.map((v) => fmt(v, 2)).join(", ")}`,
      `- 429s: ${rejected.join(", ")}`,
      `- smallest gap between two request arrivals (ms): ${
        gaps.map((v) => fmt(v)).join(", ")
      }; most arrivals in any 1 s window: ${busiest.join(", ")}`,
      ""
    )
  } finally {
    await server.close()
  }
}

// ----- c. memory ---------------------------------------------------------------------------------
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined

/** `run` of node with the CPU time (user + sys, ms) of the node process, from /usr/bin/time (NaN without it). */
const runCpu = async (args, options) => {
  if (TIME === undefined) return { ...(await run(NODE, args, options)), cpuMs: NaN }
  const file = path.join(tmp, `cpu-${process.hrtime.bigint()}.txt`)
  const result = await run(TIME, ["-o", file, "-f", "%U %S", NODE, ...args], options)
  const [user, system] = readFileSync(file, "utf8").trim().split("\n").at(-1).split(" ").map(Number)
  return { ...result, cpuMs: (user + system) * 1000 }
}

/** Peak RSS in kB: /usr/bin/time -v's "Maximum resident set size", else VmHWM polled from /proc. */
const runMeasured = async (args, timeoutMs) => {
  if (TIME !== undefined) {
    const result = await run(TIME, ["-v", NODE, ...args], { timeoutMs })
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)
    return { ...result, peakKb: match ? Number(match[1]) : NaN }
  }
  let peakKb = NaN
  const before = new Set(children)
  const promise = run(NODE, args, { timeoutMs })
  const [child] = [...children].filter((c) => !before.has(c))
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))
      if (hwm) peakKb = Math.max(Number.isNaN(peakKb) ? 0 : peakKb, Number(hwm[1]))
    } catch {
      // exited between polls
    }
  }, 20)
  const result = await promise
  clearInterval(poll)
  return { ...result, peakKb }
}

const partC = async () => {
  const small = 20_000
  const large = 200_000
  log(
    `c. memory: one campaign of ${fmt(large)} leads, connector vs baseline, and the connector at ${
      fmt(small)
    }; page size 100, no latency (${TIME ? "/usr/bin/time -v" : "VmHWM polling"})`
  )
  const server = await startServer({
    campaignSpec: [{ id: 3000001, leads: small }, { id: 3000002, leads: large }],
    pageSize: 100
  })
  try {
    const configFor = (id) =>
      writeJson(`c-config-${id}.json`, {
        api_key: API_KEY,
        base_url: server.url,
        campaign_ids: [id],
        page_size: 100,
        max_requests_per_second: 100000,
        max_retries: 2,
        request_timeout_seconds: 30
      })
    const cases = [
      {
        label: `connector, ${fmt(small)} leads`,
        leads: small,
        args: connectorArgs(configFor(3000001)),
        peaks: [],
        rates: []
      },
      {
        label: `connector, ${fmt(large)} leads`,
        leads: large,
        args: connectorArgs(configFor(3000002)),
        peaks: [],
        rates: []
      },
      {
        label: `baseline, ${fmt(large)} leads`,
        leads: large,
        args: baselineArgs(server.url, ["--campaign-ids", "3000002"]),
        peaks: [],
        rates: []
      },
      ...(PEER
        ? [
          {
            label: `peer, ${fmt(small)} leads`,
            leads: small,
            args: peerArgs(configFor(3000001)),
            peaks: [],
            rates: []
          },
          { label: `peer, ${fmt(large)} leads`, leads: large, args: peerArgs(configFor(3000002)), peaks: [], rates: [] }
        ]
        : [])
    ]
    const ratios = []
    const peerRatios = []
    for (let i = 0; i < RUNS; i++) {
      const peaks = []
      for (const c of cases) {
        const result = await runMeasured(c.args, 180_000)
        const ok = check(`c ${c.label} run ${i + 1}`, result, c.leads)
        log(`  run ${i + 1}: ${c.label}: peak RSS ${fmt(result.peakKb / 1024, 1)} MB, ${fmt(result.wallMs)} ms`)
        peaks.push(ok && Number.isFinite(result.peakKb) ? result.peakKb / 1024 : NaN)
        if (ok && Number.isFinite(result.peakKb)) {
          c.peaks.push(result.peakKb / 1024)
          c.rates.push(c.leads / (result.wallMs / 1000))
        }
      }
      if (Number.isFinite(peaks[1]) && Number.isFinite(peaks[2])) ratios.push(peaks[1] / peaks[2])
      if (PEER && Number.isFinite(peaks[1]) && Number.isFinite(peaks[4])) peerRatios.push(peaks[1] / peaks[4])
    }
    const [s, l, b, ps, pl] = cases.map((c) => summary(c.peaks))
    const ratio = l.median / b.median
    const growth = l.median - s.median
    if (PEER) {
      const peerRatio = l.median / pl.median
      rows.push({
        part: "c",
        figure: `peak RSS at ${fmt(large)} leads, connector ÷ peer (medians)`,
        value: `${fmt(peerRatio, 2)} (${fmt(l.median, 1)} ÷ ${fmt(pl.median, 1)} MB)`,
        target: "≤ 1.0",
        pass: Number.isFinite(peerRatio) ? peerRatio <= 1.0 : false
      })
      rows.push({
        part: "c",
        figure: `peak RSS, peer at ${fmt(small)} / ${fmt(large)} leads (MB)`,
        value: `${fmtSummary(ps, 1)} / ${fmtSummary(pl, 1)}; growth ${fmt(pl.median - ps.median, 1)} MB`,
        target: "",
        pass: undefined
      })
    }
    rows.push({
      part: "c",
      figure: `growth of the connector's peak RSS, ${fmt(small)} → ${fmt(large)} leads (MB, medians)`,
      value: fmt(growth, 1),
      target: "≤ 20",
      pass: Number.isFinite(growth) ? growth <= 20 : false
    })
    rows.push({
      part: "c",
      figure: `peak RSS, connector at ${fmt(large)} leads (MB)`,
      value: fmtSummary(l, 1),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "c",
      figure: `peak RSS, baseline at ${fmt(large)} leads (MB)`,
      value: fmtSummary(b, 1),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "c",
      figure: "peak RSS connector ÷ baseline (medians)",
      value: fmt(ratio, 2),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "c",
      figure: `peak RSS, connector at ${fmt(small)} leads (MB; flatness)`,
      value: `${fmtSummary(s, 1)}; ${fmt(large)} ÷ ${fmt(small)} = ${fmt(l.median / s.median, 2)}`,
      target: "",
      pass: undefined
    })
    details.push(
      `### c. memory (one campaign, page size 100, no latency)`,
      "",
      TIME
        ? `Peak RSS = "Maximum resident set size" from \`/usr/bin/time -v node …\` (the node process itself; /usr/bin/time only waits).`
        : `Peak RSS = VmHWM of the node process, polled every 20 ms from /proc/<pid>/status (no /usr/bin/time).`,
      `The three runs of each round alternate; the ratio row is of medians, per-round ratios are listed below.`,
      "",
      ...cases.map((c) =>
        `- ${c.label}: peak RSS (MB) ${c.peaks.map((v) => fmt(v, 1)).join(", ")}; records/s ${
          c.rates.map((v) => fmt(v)).join(", ")
        }`
      ),
      `- connector ÷ baseline at ${fmt(large)}, per round: ${ratios.map((v) => fmt(v, 2)).join(", ")}`,
      ...(PEER
        ? [`- connector ÷ peer at ${fmt(large)}, per round: ${peerRatios.map((v) => fmt(v, 2)).join(", ")}`]
        : []),
      ""
    )
  } finally {
    await server.close()
  }
}

// ----- d. start-up -------------------------------------------------------------------------------
const partD = async () => {
  const n = Math.max(10, RUNS * 2)
  log(`d. start-up: node dist/main.js spec vs node -e 0, ${n} runs each`)
  await run(NODE, [...CONNECTOR, "spec"], { timeoutMs: 30_000 }) // warm the file cache (and fill the compile cache)
  const spec = []
  const bare = []
  const specCpu = []
  const bareCpu = []
  const peerSpec = []
  if (PEER) await run(NODE, [PEER, "spec"], { timeoutMs: 30_000 })
  for (let i = 0; i < n; i++) {
    if (PEER) {
      const p = await runCpu([PEER, "spec"], { timeoutMs: 30_000 })
      if (check(`d peer spec run ${i + 1}`, p, undefined)) peerSpec.push(p.wallMs)
    }
    const a = await runCpu([...CONNECTOR, "spec"], { timeoutMs: 30_000 })
    if (check(`d spec run ${i + 1}`, a, undefined)) {
      spec.push(a.wallMs)
      specCpu.push(a.cpuMs)
    }
    const b = await runCpu(["-e", "0"], { timeoutMs: 30_000 })
    if (check(`d node -e 0 run ${i + 1}`, b, undefined)) {
      bare.push(b.wallMs)
      bareCpu.push(b.cpuMs)
    }
  }
  const ss = summary(spec)
  const bs = summary(bare)
  const ratio = ss.median / bs.median
  const cpuRatio = median(specCpu) / median(bareCpu)
  rows.push({
    part: "d",
    figure: "start-up `node dist/main.js spec` (ms)",
    value: fmtSummary(ss, 0),
    target: "",
    pass: undefined
  })
  rows.push({ part: "d", figure: "start-up `node -e 0` (ms)", value: fmtSummary(bs, 0), target: "", pass: undefined })
  rows.push({
    part: "d",
    figure: "start-up ratio spec ÷ node -e 0 (medians)",
    value: fmt(ratio, 2),
    target: "",
    pass: undefined
  })
  if (PEER) {
    const peerRatio = ss.median / median(peerSpec)
    rows.push({
      part: "d",
      figure: "`spec` wall time, connector ÷ peer (medians)",
      value: `${fmt(peerRatio, 2)} (${fmt(ss.median)} ÷ ${fmt(median(peerSpec))} ms)`,
      target: "≤ 0.75",
      pass: Number.isFinite(peerRatio) ? peerRatio <= 0.75 : false
    })
    details.push(`- peer \`spec\` (ms): ${peerSpec.map((v) => fmt(v)).join(", ")}`, "")
  }
  rows.push({
    part: "d",
    figure: "start-up ratio in CPU time (user + sys, medians)",
    value: Number.isFinite(cpuRatio)
      ? `${fmt(cpuRatio, 2)} (${fmt(median(specCpu))} ÷ ${fmt(median(bareCpu))} ms)`
      : "n/a (no /usr/bin/time)",
    target: "",
    pass: undefined
  })
  details.push(
    `### d. start-up (${n} runs each, alternating)`,
    "",
    `Wall time is spawn to exit${
      TIME ? " of /usr/bin/time, which also gives each node process's CPU time (user + sys; 10 ms resolution)" : ""
    }.`,
    ...(process.env["NODE_EXTRA_CA_CERTS"]
      ? [
        `NODE_EXTRA_CA_CERTS is set here: Node 20 parses those certificates at every start (Node 24 only when TLS needs them), which inflates \`node -e 0\` and \`spec\` alike on Node 20.`
      ]
      : []),
    "",
    `- \`node dist/main.js spec\` (ms): ${spec.map((v) => fmt(v)).join(", ")}`,
    `- \`node -e 0\` (ms): ${bare.map((v) => fmt(v)).join(", ")}`,
    ...(TIME
      ? [
        `- \`node dist/main.js spec\` CPU (ms): ${specCpu.map((v) => fmt(v)).join(", ")}`,
        `- \`node -e 0\` CPU (ms): ${bareCpu.map((v) => fmt(v)).join(", ")}`
      ]
      : []),
    ""
  )
}

// ----- e. campaign_statistics throughput ---------------------------------------------------------
const partE = async () => {
  const campaigns = 20
  const emails = 2000
  const expected = campaigns * emails
  log(
    `e. statistics throughput: campaign_statistics of ${campaigns} campaigns × ${emails} emails sent, pages of 100, no latency`
  )
  const server = await startServer({ campaigns, leads: 0, statistics: emails })
  try {
    const config = writeJson("e-config.json", {
      api_key: API_KEY,
      base_url: server.url,
      max_requests_per_second: 100000,
      max_retries: 2,
      request_timeout_seconds: 30
    })
    const catalog = writeJson("e-catalog.json", {
      streams: [{
        stream: { name: "campaign_statistics", json_schema: {}, supported_sync_modes: ["full_refresh"] },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite"
      }]
    })
    const connector = [...CONNECTOR, "read", "--config", config, "--catalog", catalog]
    const baselineArgs = [
      path.join(here, "baseline.mjs"),
      "--base-url",
      server.url,
      "--api-key",
      API_KEY,
      "--endpoint",
      "statistics",
      "--client",
      "http"
    ]
    await run(NODE, connector, { timeoutMs: 120_000 }) // warm-up
    const rates = { connector: [], baseline: [], ratio: [] }
    for (let i = 0; i < RUNS; i++) {
      await server.reset()
      const c = await run(NODE, connector, { timeoutMs: 120_000 })
      const stats = await server.stats()
      const b = await run(NODE, baselineArgs, { timeoutMs: 120_000 })
      const cOk = check(`e connector run ${i + 1}`, c, expected)
      const bOk = check(`e baseline run ${i + 1}`, b, expected)
      const cRate = expected / (c.wallMs / 1000)
      const bRate = expected / (b.wallMs / 1000)
      log(
        `  run ${i + 1}: connector ${fmt(cRate)} rec/s (${
          fmt(c.wallMs)
        } ms, ${stats.statisticsRequests} statistics requests, ${c.states} STATEs), baseline ${fmt(bRate)} rec/s (${
          fmt(b.wallMs)
        } ms)`
      )
      if (cOk) rates.connector.push(cRate)
      if (bOk) rates.baseline.push(bRate)
      if (cOk && bOk) rates.ratio.push(cRate / bRate)
    }
    const cs = summary(rates.connector)
    const bs = summary(rates.baseline)
    const rs = summary(rates.ratio)
    rows.push({
      part: "e",
      figure: "statistics throughput, connector (records/s)",
      value: fmtSummary(cs),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "e",
      figure: "statistics throughput, baseline (records/s, undici keep-alive)",
      value: fmtSummary(bs),
      target: "",
      pass: undefined
    })
    rows.push({
      part: "e",
      figure: "statistics throughput ratio connector/baseline",
      value: fmtSummary(rs, 2),
      target: "",
      pass: undefined
    })
    details.push(
      `### e. campaign_statistics throughput (${campaigns} × ${fmt(emails)} emails sent = ${
        fmt(expected)
      } records, pages of 100, no latency)`,
      "",
      `Records/s = records ÷ wall time of the whole process (spawn to exit, start-up included), as in a. Each row carries ~2 kB of email HTML that the records leave out (statistics_include_email_body off), and its counts as strings. The baseline (\`bench/baseline.mjs --endpoint statistics\`) reads the same pages one after another, deletes email_message, adds campaign_id and prints RECORD lines; no typing, no validation, no retries, no STATE. Connector and baseline runs alternate; the ratio is per pair.`,
      "",
      `- connector records/s: ${rates.connector.map((v) => fmt(v)).join(", ")}`,
      `- baseline records/s: ${rates.baseline.map((v) => fmt(v)).join(", ")}`,
      `- ratio: ${rates.ratio.map((v) => fmt(v, 2)).join(", ")}`,
      ""
    )
  } finally {
    await server.close()
  }
}

// ----- f. a campaign of 1,000,000 leads ----------------------------------------------------------
const partF = async () => {
  const large = 200_000
  const huge = 1_000_000
  log(`f. memory at ${fmt(huge)} leads in one campaign against ${fmt(large)}; page size 100, no latency`)
  const server = await startServer({
    campaignSpec: [{ id: 3000002, leads: large }, { id: 3000003, leads: huge }],
    pageSize: 100
  })
  try {
    const configFor = (id) =>
      writeJson(`f-config-${id}.json`, {
        api_key: API_KEY,
        base_url: server.url,
        campaign_ids: [id],
        page_size: 100,
        max_requests_per_second: 100000,
        max_retries: 2,
        request_timeout_seconds: 30
      })
    const cases = [
      {
        label: `connector, ${fmt(large)} leads`,
        leads: large,
        args: connectorArgs(configFor(3000002)),
        peaks: [],
        cpu: []
      },
      {
        label: `connector, ${fmt(huge)} leads`,
        leads: huge,
        args: connectorArgs(configFor(3000003)),
        peaks: [],
        cpu: []
      }
    ]
    for (let i = 0; i < RUNS; i++) {
      for (const c of cases) {
        const result = await runMeasured(c.args, 600_000)
        const ok = check(`f ${c.label} run ${i + 1}`, result, c.leads)
        log(`  run ${i + 1}: ${c.label}: peak RSS ${fmt(result.peakKb / 1024, 1)} MB, ${fmt(result.wallMs)} ms`)
        if (ok && Number.isFinite(result.peakKb)) c.peaks.push(result.peakKb / 1024)
      }
    }
    const [l, h] = cases.map((c) => summary(c.peaks))
    const ratio = h.median / l.median
    rows.push({
      part: "f",
      figure: `peak RSS at ${fmt(huge)} ÷ at ${fmt(large)} leads, connector (medians)`,
      value: `${fmt(ratio, 2)} (${fmtSummary(h, 1)} ÷ ${fmtSummary(l, 1)} MB)`,
      target: "0.9–1.1",
      pass: Number.isFinite(ratio) ? ratio >= 0.9 && ratio <= 1.1 : false
    })
    details.push(
      `### f. one campaign of ${fmt(huge)} leads (page size 100, no latency)`,
      "",
      `Peak RSS as in c; the two sizes alternate.`,
      "",
      ...cases.map((c) => `- ${c.label}: peak RSS (MB) ${c.peaks.map((v) => fmt(v, 1)).join(", ")}`),
      ""
    )
  } finally {
    await server.close()
  }
}

// ----- main --------------------------------------------------------------------------------------
const sh = (command, args) => {
  try {
    return execFileSync(command, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return "unknown"
  }
}

const machine = () => {
  const dirty = sh("git", ["status", "--porcelain", "--", "src"])
  return {
    date: new Date().toISOString(),
    nproc: sh("nproc", []),
    node: sh(NODE, ["--version"]),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memory: `${fmt(os.totalmem() / 2 ** 30, 1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    load: `load average ${LOAD_AT_START.map((v) => v.toFixed(2)).join(" ")} at start, ${
      os.loadavg().map((v) => v.toFixed(2)).join(" ")
    } at end`,
    commit: `${sh("git", ["rev-parse", "--short", "HEAD"])}${
      dirty && dirty !== "unknown" ? " (src/ has uncommitted changes)" : ""
    }`,
    dist: `dist/ ${bundleFiles.length} file(s), main.js ${fmt(statSync(BUNDLE).size / 1024)} KiB, all ${
      fmt(BUNDLE_SIZE / 1024)
    } KiB, sha256 ${BUNDLE_SHA}…, built ${BUNDLE_MTIME.toISOString()}`
  }
}

const table = (facts, seconds) => {
  const header = ["part", "figure", "median (min–max)", "target", "result"]
  const body = rows.map((r) => [r.part, r.figure, r.value, r.target || "—", r.target ? verdict(r.pass) : "—"])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ")
  const text = [
    "",
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    "",
    `runs: ${RUNS}; parts: ${[...ONLY].sort().join(",")}; took ${fmt(seconds, 0)} s`,
    ...(PEER_NOTE ? [PEER_NOTE] : []),
    `machine: nproc ${facts.nproc}, node ${facts.node}, ${facts.cpu}, ${facts.memory}, ${facts.os}; ${facts.load}`,
    `date: ${facts.date}; commit ${facts.commit}; ${facts.dist}`,
    ""
  ].join("\n")
  const md = [
    "# source-smartlead benchmark results",
    "",
    `Written by \`node bench/run.mjs --runs ${RUNS} --only ${[...ONLY].sort().join(",")}\` (overwritten on every run).`,
    "",
    `- date: ${facts.date}`,
    `- \`nproc\`: ${facts.nproc}`,
    `- \`node --version\`: ${facts.node}`,
    `- CPU: ${facts.cpu}; memory ${facts.memory}; ${facts.os}`,
    `- ${facts.load} (the benchmark shares the machine; anything else running skews it)`,
    `- commit: ${facts.commit}; ${facts.dist}`,
    `- runs per figure: ${RUNS}; total time ${fmt(seconds, 0)} s`,
    ...(PEER_NOTE ? [`- ${PEER_NOTE}`] : []),
    "",
    `| part | figure | median (min–max) | target | result |`,
    `|---|---|---|---|---|`,
    ...body.map((row) => `| ${row.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`),
    "",
    "## Details",
    "",
    ...details,
    ...(failures.length > 0 ? ["## Failed runs", "", ...failures.map((f) => `- ${f.replace(/\n/g, "\n  ")}`), ""] : [])
  ].join("\n")
  return { text, md }
}

const main = async () => {
  const started = Date.now()
  log(`bench: ${RUNS} runs, parts ${[...ONLY].sort().join(",")}, connector ${path.relative(root, MAIN)}`)
  if (ONLY.has("a")) await partA()
  if (ONLY.has("b")) await partB()
  if (ONLY.has("c")) await partC()
  if (ONLY.has("d")) await partD()
  if (ONLY.has("e")) await partE()
  if (ONLY.has("f")) await partF()
  const facts = machine()
  const { text, md } = table(facts, (Date.now() - started) / 1000)
  process.stdout.write(text)
  writeFileSync(path.join(here, "RESULTS.md"), md)
  if (failures.length > 0) process.stdout.write(`\n${failures.length} run(s) failed:\n  ${failures.join("\n  ")}\n`)
  process.stdout.write(`\nwrote bench/RESULTS.md\n`)
  const missed = rows.some((r) => r.target && r.pass === false)
  process.exitCode = failures.length > 0 || (STRICT && missed) ? 1 : 0
}

main()
  .catch((error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error}\n`)
    process.exitCode = 2
  })
  .finally(() => {
    killAll()
    clearTimeout(watchdog)
  })
