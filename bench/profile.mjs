// CPU profile of the connector against the bench server, summarised by self time.
//
//   node bench/profile.mjs [--scenario a|c|b|e|spec] [--bundle debug|dist] [--top 25] [--keep DIR]
//
// scenario a: 20 campaigns × 5,000 leads, no latency (the throughput case); c: one campaign of
// 200,000 leads; b: 30 × 200 leads, 250 ms latency, limit 10 req/s, max_requests_per_second 10;
// e: campaign_statistics of 20 campaigns × 2,000 emails sent;
// spec: `spec` only (start-up).
// --bundle debug (default) profiles an unminified bundle of src/main.ts built into a temp dir with
// esbuild (same options as scripts/build.mjs, minus minification), whose `// node_modules/…` and
// `// src/…` markers let every sample be attributed to its module; --bundle dist profiles
// dist/main.js as built (attribution then only by function name).
// Prints the top functions and modules by self time; the .cpuprofile is kept with --keep DIR.
import { spawn } from "node:child_process"
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { API_KEY, startServer } from "./server.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "..")
const argv = process.argv.slice(2)
const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const scenario = flag("--scenario", "a")
const bundleKind = flag("--bundle", "debug")
const top = Number(flag("--top", "25"))
const keep = flag("--keep")
const tmp = mkdtempSync(path.join(os.tmpdir(), "smartlead-prof-"))
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }))

// The connector as built (dist/main.js and its chunks), or an unminified build of the same entry
// with the same splitting, whose module markers attribute every sample to its source module.
const outdir = path.join(tmp, "dist")
writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ type: "module" })) // as beside dist/
if (bundleKind === "dist") {
  cpSync(path.join(root, "dist"), outdir, { recursive: true })
} else {
  const { build } = await import("esbuild")
  // mirrors scripts/build.mjs (its omit-unused plugin included), minus minification
  const omitUnused = {
    name: "omit-unused",
    setup(b) {
      b.onResolve({ filter: /^(yaml|toml|ini|fast-check)$/ }, (args) => ({ path: args.path, namespace: "omitted" }))
      b.onLoad({ filter: /.*/, namespace: "omitted" }, (args) => ({
        contents: `module.exports = new Proxy({}, { get: (_, key) => { if (key === "__esModule") return false; throw new Error(${JSON.stringify(args.path)} + " is not bundled") } })`,
        loader: "js"
      }))
    }
  }
  await build({
    bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", legalComments: "none",
    entryPoints: { main: path.join(root, "src", "main.ts") }, outdir, splitting: true, chunkNames: "chunks/[name]-[hash]",
    plugins: [omitUnused],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
  })
}
const bundle = path.join(outdir, "main.js")

const scenarios = {
  a: { server: { campaigns: 20, leads: 5000 }, config: { max_requests_per_second: 100000 } },
  c: { server: { campaigns: 1, leads: 200000 }, config: { max_requests_per_second: 100000 } },
  b: { server: { campaigns: 30, leads: 200, latencyMs: 250, rateLimit: 10 }, config: { max_requests_per_second: 10 } },
  e: { server: { campaigns: 20, leads: 0, statistics: 2000 }, config: { max_requests_per_second: 100000 }, stream: "campaign_statistics" },
  spec: undefined
}
if (!(scenario in scenarios)) throw new Error(`unknown scenario ${scenario}`)
const chosen = scenarios[scenario]
const server = chosen ? await startServer({ ...chosen.server, pageSize: 100 }) : undefined
const profDir = path.join(tmp, "prof")
mkdirSync(profDir)
let args = [`--cpu-prof`, `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=200", bundle, "spec"]
if (server) {
  const config = path.join(tmp, "config.json")
  const catalog = path.join(tmp, "catalog.json")
  writeFileSync(config, JSON.stringify({ api_key: API_KEY, base_url: server.url, page_size: 100, max_retries: 2, ...chosen.config }))
  writeFileSync(catalog, JSON.stringify({
    streams: [{
      stream: { name: chosen.stream ?? "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
      sync_mode: "full_refresh",
      destination_sync_mode: "overwrite"
    }]
  }))
  args = [...args.slice(0, -1), "read", "--config", config, "--catalog", catalog]
}
const started = Date.now()
const records = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  const timer = setTimeout(() => child.kill("SIGKILL"), 180_000)
  let count = 0
  let carry = ""
  child.stdout.on("data", (chunk) => {
    const text = carry + chunk.toString("utf8")
    const lines = text.split("\n")
    carry = lines.pop()
    for (const line of lines) if (line.startsWith('{"type":"RECORD"')) count++
  })
  child.on("close", (code) => {
    clearTimeout(timer)
    code === 0 ? resolve(count) : reject(new Error(`connector exited with ${code}`))
  })
})
const wallMs = Date.now() - started
await server?.close()

// ----- summary -----------------------------------------------------------------------------------
const file = readdirSync(profDir).find((name) => name.endsWith(".cpuprofile"))
const profile = JSON.parse(readFileSync(path.join(profDir, file), "utf8"))
if (keep) {
  mkdirSync(keep, { recursive: true })
  copyFileSync(path.join(profDir, file), path.join(keep, `${scenario}-${bundleKind}.cpuprofile`))
  if (bundleKind === "debug") cpSync(outdir, path.join(keep, `${scenario}-dist`), { recursive: true })
}

// module markers of each bundle file: "// node_modules/effect/dist/esm/Stream.js", "// src/airbyte/Read.ts"
const markersOf = new Map()
const markers = (file) => {
  if (!markersOf.has(file)) {
    const found = []
    readFileSync(file, "utf8").split("\n").forEach((line, index) => {
      const match = /^\/\/ ((?:node_modules|src)\/\S+)$/.exec(line)
      if (match) found.push([index, match[1]])
    })
    markersOf.set(file, found)
  }
  return markersOf.get(file)
}
const moduleAt = (url, line) => {
  if (!url) return "(native/VM)"
  const file = url.replace(/^file:\/\//, "")
  if (!file.startsWith(outdir)) return file
  const list = markers(file)
  let lo = 0
  let hi = list.length - 1
  let found = `(${path.relative(outdir, file)} prelude)`
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (list[mid][0] <= line) {
      found = list[mid][1]
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}
const packageOf = (module) => {
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module)
  return match ? match[1] : module.startsWith("src/") ? module : module.startsWith("node:") ? "node: (built-ins)" : module
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map()
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt)
}
const total = [...self.values()].reduce((x, y) => x + y, 0)
const fns = new Map()
const modules = new Map()
const packages = new Map()
for (const [id, us] of self) {
  const { callFrame } = byId.get(id)
  const module = moduleAt(callFrame.url, callFrame.lineNumber)
  const name = callFrame.functionName || "(anonymous)"
  const key = `${name}  [${module}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ""}]`
  fns.set(key, (fns.get(key) ?? 0) + us)
  modules.set(module, (modules.get(module) ?? 0) + us)
  packages.set(packageOf(module), (packages.get(packageOf(module)) ?? 0) + us)
}
const print = (title, map, n) => {
  console.log(`\n${title}`)
  for (const [key, us] of [...map].sort((x, y) => y[1] - x[1]).slice(0, n)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`)
  }
}
console.log(`scenario ${scenario}, ${bundleKind} bundle: ${records} records, wall ${wallMs} ms, sampled ${(total / 1000).toFixed(0)} ms`)
print(`top ${top} functions by self time`, fns, top)
print("modules by self time", modules, 20)
print("packages by self time", packages, 12)
