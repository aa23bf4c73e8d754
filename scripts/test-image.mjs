// Builds the connector's container image and exercises it the way the Airbyte platform does:
// spec, check, discover, read (built-in catalog) and read with a mounted catalog and state, all
// against the SmartLead simulator on the host's 127.0.0.1 (the container uses the host network).
// Every stdout line must be a valid AirbyteMessage; the image config (entrypoint, env, user,
// labels), its layout and its size are checked too. Prints `image test: N passed, M failed` and
// exits non-zero on any failure.
//
//   npm run test:image               (or `npm run test:image -- --no-cache` for a cold build)
//
// Engine: `docker` when `docker info` succeeds; else the buildah tools `container-build` and
// `container-run` when both exist (on PATH, or in ../shared/tools beside the repository); else it
// prints "no container engine found …; image test skipped" and exits 0. Env: IMAGE_TAG (default
// airbyte/source-smartlead:test), IMAGE_ENGINE=docker|buildah to force one (then a missing engine
// is a failure, not a skip).
import AjvModule from "ajv"
import { spawn, spawnSync } from "node:child_process"
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"))
const TAG = process.env.IMAGE_TAG ?? "airbyte/source-smartlead:test"
// The node flags are the launcher's: its first line is `#!/usr/bin/env -S node <flags>`.
const NODE_FLAGS = readFileSync(join(repo, "src", "launcher.ts"), "utf8").split("\n")[0]
  .replace(/^#!\/usr\/bin\/env -S node ?/, "").split(" ").filter(Boolean)
const ENTRYPOINT = ["/usr/local/bin/node", ...NODE_FLAGS, "/airbyte/integration_code/dist/main.js"]
const SIZE_TARGET_MB = 250
const SIZE_LIMIT_MB = 400
const RUN_TIMEOUT_MS = 180_000

// ---- reporting ---------------------------------------------------------------------------------

const results = []
const started = Date.now()
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`
const log = (line) => process.stdout.write(`${line}\n`)

/** Runs one named check; it fails if `fn` throws. Returns fn's value (undefined on failure). */
const check = async (name, fn) => {
  const t0 = Date.now()
  try {
    const detail = await fn()
    results.push({ name, ok: true })
    const note = typeof detail === "string" ? detail : typeof detail?.summary === "string" ? detail.summary : undefined
    log(`  PASS  ${name}${note ? ` — ${note}` : ""} (${secs(Date.now() - t0)})`)
    return detail
  } catch (error) {
    results.push({ name, ok: false })
    log(
      `  FAIL  ${name} (${secs(Date.now() - t0)})\n        ${
        String(error?.message ?? error).replaceAll("\n", "\n        ")
      }`
    )
    return undefined
  }
}

const assert = (condition, message) => {
  if (!condition) throw new Error(message)
}

// ---- protocol validation -------------------------------------------------------------------------

// The protocol schema is a test fixture in the repository (release v0.18.0; see its README).
const protocol = JSON.parse(
  readFileSync(join(repo, "test", "fixtures", "airbyte-protocol", "airbyte_protocol.json"), "utf8")
)
const Ajv = AjvModule.default ?? AjvModule
const ajv = new Ajv({ strict: false, allErrors: true })
// The schema uses format "uri" (ajv-formats is not a dependency): accept what URL parses.
ajv.addFormat("uri", (value) => URL.canParse(value))
ajv.addSchema(protocol)
const validateMessage = ajv.compile({ $ref: `${protocol.$id}#/definitions/AirbyteMessage` })

/** Parses stdout into messages; throws unless every non-empty line is a valid AirbyteMessage. */
const messagesOf = (stdout) => {
  const lines = stdout.split("\n").filter((line) => line.length > 0)
  return lines.map((line, i) => {
    let message
    try {
      message = JSON.parse(line)
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`)
    }
    if (!validateMessage(message)) {
      throw new Error(
        `stdout line ${i + 1} is not a valid AirbyteMessage (${ajv.errorsText(validateMessage.errors)}): ${
          line.slice(0, 200)
        }`
      )
    }
    return message
  })
}

// ---- container engine --------------------------------------------------------------------------

const succeeds = (cmd, args) => {
  try {
    return spawnSync(cmd, args, { stdio: "ignore", timeout: 20_000 }).status === 0
  } catch {
    return false
  }
}
/** The path of an executable `name`: on PATH, else in ../shared/tools beside the repository. */
const findTool = (name) => {
  for (const dir of [...(process.env.PATH ?? "").split(":").filter(Boolean), resolve(repo, "..", "shared", "tools")]) {
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      if (statSync(file).isFile()) return file
    } catch {}
  }
  return undefined
}
const buildahTools = () => {
  const build = findTool("container-build")
  const run = findTool("container-run")
  return build && run ? { "container-build": build, "container-run": run } : undefined
}
const forced = process.env.IMAGE_ENGINE
if (forced !== undefined && forced !== "docker" && forced !== "buildah") {
  log(`image test: IMAGE_ENGINE must be docker or buildah, not ${JSON.stringify(forced)} — FAIL`)
  process.exit(2)
}
const tools = forced === "docker" ? undefined : buildahTools()
const engine = forced ?? (succeeds("docker", ["info"]) ? "docker" : tools ? "buildah" : undefined)
if (engine === undefined) {
  log("no container engine found (docker or container-build); image test skipped")
  process.exit(0)
}
if (engine === "buildah" && tools === undefined) {
  log(
    "image test: IMAGE_ENGINE=buildah but container-build/container-run are neither on PATH nor in ../shared/tools — FAIL"
  )
  process.exit(1)
}
const tool = (name) => tools[name]

const noCache = process.argv.includes("--no-cache") ? ["--no-cache"] : []
const buildCommand = () =>
  engine === "docker"
    ? ["docker", ["build", ...noCache, "-t", TAG, repo]]
    : [tool("container-build"), [TAG, repo, ...noCache]]

let current // the child process running now: terminated on timeout or interruption

/** Stops a child. container-run waits on `buildah run`, which passes SIGTERM on to the container
 *  and returns, so that container-run still removes its working container: signal the child's own
 *  children (by pid) when it has some, else the child itself. */
const terminate = (child) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const kids = (spawnSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).stdout ?? "")
    .split("\n").filter(Boolean).map(Number)
  for (const pid of kids) {
    try {
      process.kill(pid, "SIGTERM")
    } catch {}
  }
  if (kids.length === 0) child.kill("SIGTERM")
  setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"), 10_000).unref()
}

/** Runs a command to completion: `{status, stdout, stderr}` (output captured unless `inherit`). */
const runProcess = (cmd, args, { inherit = false, detached = false, timeoutMs = RUN_TIMEOUT_MS } = {}) =>
  new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: repo,
      detached,
      stdio: ["ignore", inherit ? "inherit" : "pipe", inherit ? "inherit" : "pipe"]
    })
    current = child
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk))
    child.stderr?.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      terminate(child)
    }, timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (status) => {
      clearTimeout(timer)
      if (current === child) current = undefined
      resolveRun({ status, stdout, stderr: timedOut ? `${stderr}\n(timed out after ${timeoutMs / 1000}s)` : stderr })
    })
  })

/** Runs the image like `docker run --rm`; volumes are [host, container, "ro"?] triples. The run
 *  gets its own process group: a Ctrl-C reaches this script, which stops the run itself. */
const runImage = ({ args = [], volumes = [], entrypoint, env = {} } = {}) => {
  const opts = []
  for (const [host, ctr, mode] of volumes) opts.push("-v", `${host}:${ctr}${mode ? `:${mode}` : ""}`)
  for (const [key, value] of Object.entries(env)) opts.push("-e", `${key}=${value}`)
  if (entrypoint) opts.push("--entrypoint", entrypoint)
  const [cmd, argv] = engine === "docker"
    ? ["docker", ["run", "--rm", "--network", "host", ...opts, TAG, ...args]]
    : [tool("container-run"), [...opts, TAG, ...args]]
  return runProcess(cmd, argv, { detached: true })
}

const inspectImage = () => {
  if (engine === "docker") {
    const r = spawnSync("docker", ["image", "inspect", TAG], { encoding: "utf8" })
    assert(r.status === 0, `docker image inspect failed: ${r.stderr}`)
    return JSON.parse(r.stdout)[0].Config
  }
  const r = spawnSync(tool("container-run"), ["--inspect", TAG], { encoding: "utf8" })
  assert(r.status === 0, `container-run --inspect failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

const BASE_IMAGE = "node:24-slim"

/** An image's size in bytes (undefined if the image is not there). */
const imageSize = (image) => {
  if (engine === "docker") {
    const r = spawnSync("docker", ["image", "inspect", "--format", "{{.Size}}", image], { encoding: "utf8" })
    return r.status === 0 ? Number(r.stdout.trim()) : undefined
  }
  // buildah prints a decimal human size ("345 MB"); parse it back.
  const r = spawnSync("buildah", ["images", "--json", image], { encoding: "utf8" })
  if (r.status !== 0) return undefined
  const match = /^([\d.]+)\s*([kKMGT]?B)$/.exec(String(JSON.parse(r.stdout)[0]?.size ?? "").trim())
  if (!match) return undefined
  const scale = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[match[2]]
  return Number(match[1]) * scale
}

const describeRun = (r) =>
  `exit ${r.status}; stderr: ${(r.stderr ?? "").trim().split("\n").slice(-8).join("\n") || "(empty)"}`

// ---- simulator ---------------------------------------------------------------------------------

/** Starts the simulator and resolves its `{url, apiKey, campaignIds}` line. */
const startSimulator = () =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [
      join(repo, "dist-dev", "simulator.js"),
      "--port",
      "0",
      "--campaigns",
      "3",
      "--leads",
      "25",
      "--shape",
      "mixed"
    ], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let buffer = ""
    const timer = setTimeout(() => reject(new Error("simulator printed nothing within 15s")), 15_000)
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`simulator exited early (${code})`)))
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      buffer += chunk
      const newline = buffer.indexOf("\n")
      if (newline < 0) return
      clearTimeout(timer)
      try {
        resolvePromise({ child, ...JSON.parse(buffer.slice(0, newline)) })
      } catch (error) {
        reject(error)
      }
    })
    simulatorProcess = child
  })

let simulatorProcess
const stopSimulator = () => {
  if (simulatorProcess && simulatorProcess.exitCode === null && simulatorProcess.signalCode === null) {
    simulatorProcess.kill("SIGTERM")
  }
}
let work // the temp dir holding the mounted config, catalog and state
const cleanUp = () => {
  stopSimulator()
  if (work) rmSync(work, { recursive: true, force: true })
}
process.on("exit", cleanUp)
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`image test: interrupted by ${signal} — FAIL`)
    const child = current
    const exit = () => process.exit(signal === "SIGINT" ? 130 : 143) // runs cleanUp
    if (!child || child.exitCode !== null || child.signalCode !== null) exit()
    child.on("close", exit)
    terminate(child)
    setTimeout(exit, 15_000)
  })
}

// ---- the test ------------------------------------------------------------------------------------

const countRecords = (messages, stream) =>
  messages.filter((m) => m.type === "RECORD" && (stream === undefined || m.record.stream === stream)).length

const listFiles = (dir) => readdirSync(dir, { recursive: true }).map(String).sort()

const main = async () => {
  log(
    `image test: ${TAG} (package ${pkg.name}@${pkg.version}), engine ${
      engine === "docker" ? "docker" : `buildah (${tool("container-build")})`
    }`
  )

  if (!existsSync(join(repo, "dist", "main.js")) || !existsSync(join(repo, "dist-dev", "simulator.js"))) {
    log("dist missing: npm run build")
    const r = spawnSync("npm", ["run", "build"], { cwd: repo, stdio: "inherit" })
    if (r.status !== 0) throw new Error("npm run build failed")
  }

  const built = await check("image builds", async () => {
    const [cmd, args] = buildCommand()
    log(`  $ ${[cmd, ...args].join(" ")}`)
    const r = await runProcess(cmd, args, { inherit: true, timeoutMs: 30 * 60_000 })
    assert(r.status === 0, `build exited ${r.status}`)
    return "ok"
  })
  if (built === undefined) return

  // --- image configuration
  const config = await check("image config: exec-form entrypoint, AIRBYTE_ENTRYPOINT, labels", () => {
    const c = inspectImage()
    assert(
      JSON.stringify(c.Entrypoint) === JSON.stringify(ENTRYPOINT),
      `Entrypoint is ${JSON.stringify(c.Entrypoint)}, expected ${JSON.stringify(ENTRYPOINT)}`
    )
    assert(
      c.Entrypoint.every((part) => part.startsWith("/") || part.startsWith("--")),
      "Entrypoint paths must be absolute (its other words are node's flags)"
    )
    const env = Object.fromEntries((c.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]))
    assert(
      env.AIRBYTE_ENTRYPOINT === c.Entrypoint.join(" "),
      `AIRBYTE_ENTRYPOINT is ${JSON.stringify(env.AIRBYTE_ENTRYPOINT)}, expected ${
        JSON.stringify(c.Entrypoint.join(" "))
      }`
    )
    const labels = c.Labels ?? {}
    assert(
      labels["io.airbyte.name"] === "airbyte/source-smartlead",
      `label io.airbyte.name is ${JSON.stringify(labels["io.airbyte.name"])}`
    )
    assert(
      labels["io.airbyte.version"] === pkg.version,
      `label io.airbyte.version is ${JSON.stringify(labels["io.airbyte.version"])}, package.json has ${pkg.version}` +
        " (update ARG VERSION in the Dockerfile)"
    )
    return c
  })

  await check("image runs as non-root (uid 1000)", async () => {
    const c = config ?? inspectImage()
    const user = String(c.User ?? "")
    assert(
      ["1000", "1000:1000", "node", "node:node"].includes(user),
      `image User is ${JSON.stringify(user)}, expected uid 1000 / node`
    )
    const r = await runImage({ entrypoint: "id", args: ["-u"] })
    assert(r.status === 0, `id -u: ${describeRun(r)}`)
    const uid = r.stdout.trim()
    assert(uid !== "0" && uid === "1000", `id -u printed ${JSON.stringify(uid)}`)
    return `User ${user}, id -u ${uid}`
  })

  await check(
    "the compile cache built into the image is used, read-only, by the connector user (fast start-up)",
    async () => {
      // NODE_DEBUG_NATIVE=COMPILE_CACHE makes Node say on stderr what its compile cache does.
      const programs = [["main.js", ["spec"], "source-smartlead.cjs"], ["tap.js", ["--about"], "tap-smartlead.cjs"]]
      const seen = []
      for (const [launcher, args, bundle] of programs) {
        const r = await runImage({
          entrypoint: "/usr/local/bin/node",
          // as the ENTRYPOINT and the launchers' first line run them: V8's flags key the cache
          args: [...NODE_FLAGS, `/airbyte/integration_code/dist/${launcher}`, ...args],
          env: { NODE_DEBUG_NATIVE: "COMPILE_CACHE" }
        })
        assert(r.status === 0, `${launcher} ${args.join(" ")}: ${describeRun(r)}`)
        const lines = r.stderr.split("\n").filter((line) => line.startsWith("[compile cache]"))
        assert(
          lines.some((line) => line.includes(`/dist/${bundle} was accepted`)),
          `${bundle}: the compile cache was not used:\n${lines.join("\n") || r.stderr.slice(-1000)}`
        )
        // every module of the program the command loaded came from the cache
        const read = lines.filter((line) => /reading cache from .* for (ESM|CommonJS) /.test(line))
        const accepted = lines.filter((line) => / was accepted/.test(line))
        assert(
          read.length >= 1 && accepted.length === read.length,
          `${bundle}: ${accepted.length} of ${read.length} modules from the compile cache:\n${lines.join("\n")}`
        )
        const writes = lines.filter((line) => /writing cache|Creating temporary file/.test(line))
        assert(writes.length === 0, `${launcher} wrote to the compile cache at run time:\n${writes.join("\n")}`)
        if (launcher === "main.js") messagesOf(r.stdout) // the debug output stays on stderr
        seen.push(bundle)
      }
      return `accepted for ${seen.join(", ")}`
    }
  )

  await check("image layout: dist bundle + spec/catalog/package.json only, writable /airbyte workdir", async () => {
    const script = `
      const fs = require("node:fs"), path = require("node:path")
      const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])
      fs.writeFileSync("probe.tmp", "x"); fs.rmSync("probe.tmp")
      console.log(JSON.stringify({ cwd: process.cwd(), files: walk("/airbyte").sort(), version: process.version }))`
    const r = await runImage({ entrypoint: "/usr/local/bin/node", args: ["-e", script] })
    assert(r.status === 0, `probe: ${describeRun(r)}`)
    const info = JSON.parse(r.stdout.trim().split("\n").at(-1))
    assert(info.cwd === "/airbyte", `working directory is ${info.cwd}, expected /airbyte`)
    const code = "/airbyte/integration_code/"
    const required = ["catalog.json", "dist/main.js", "package.json", "spec.json"]
    const missing = required.filter((f) => !info.files.includes(code + f))
    assert(missing.length === 0, `missing from ${code}: ${missing.join(", ")}`)
    // Only the bundle (dist/: launchers, program files, their source maps and the compile cache) and the three JSON files: no node_modules, sources or tests.
    const extra = info.files.filter((f) =>
      !required.includes(f.slice(code.length)) &&
      !/^\/airbyte\/integration_code\/dist\/([^/]+\.js|[^/]+\.cjs(\.map)?|compile-cache\/v24[^/]*-1000\/[0-9a-f]+)$/
        .test(f)
    )
    assert(
      extra.length === 0,
      `unexpected files under /airbyte: ${extra.slice(0, 10).join(", ")}${extra.length > 10 ? ", …" : ""}`
    )
    assert(info.version.startsWith("v24."), `node is ${info.version}, expected v24`)
    return `node ${info.version}, ${info.files.length} files (${
      info.files.filter((f) => f.includes("/dist/")).length
    } in dist)`
  })

  // --- the connector against the simulator
  const sim = await startSimulator()
  log(`  simulator at ${sim.url} (campaigns ${sim.campaignIds.join(", ")})`)

  work = mkdtempSync(join(tmpdir(), "source-smartlead-image-"))
  const dirs = { secrets: join(work, "secrets"), config: join(work, "config"), data: join(work, "data") }
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir)
    chmodSync(dir, 0o755) // the container user (uid 1000) must read what root wrote
  }
  const writeMounted = (file, value) => {
    writeFileSync(file, JSON.stringify(value, null, 2) + "\n")
    chmodSync(file, 0o644)
  }
  try {
    writeMounted(join(dirs.secrets, "config.json"), {
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: 50
    })
    const secretsRo = [dirs.secrets, "/secrets", "ro"]

    /** Runs a connector command; asserts exit 0 and valid protocol output. */
    const connector = async (args, volumes = [secretsRo]) => {
      const r = await runImage({ args, volumes })
      assert(r.status === 0, `${args[0]}: ${describeRun(r)}`)
      const messages = messagesOf(r.stdout)
      assert(messages.length > 0, `${args[0]} printed no messages`)
      return messages
    }

    await check("spec", async () => {
      const messages = await connector(["spec"], [])
      const spec = messages.find((m) => m.type === "SPEC")?.spec
      assert(spec, "no SPEC message")
      const shipped = JSON.parse(readFileSync(join(repo, "spec.json"), "utf8"))
      assert(
        JSON.stringify(spec) === JSON.stringify(shipped),
        "the image's spec differs from spec.json (run `npm run generate` and rebuild)"
      )
      return `${messages.length} messages, matches spec.json`
    })

    await check("check --config /secrets/config.json (read-only mount)", async () => {
      const messages = await connector(["check", "--config", "/secrets/config.json"])
      const status = messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus
      assert(status?.status === "SUCCEEDED", `connection status ${JSON.stringify(status)}`)
      return "SUCCEEDED"
    })

    await check("discover", async () => {
      const messages = await connector(["discover", "--config", "/secrets/config.json"])
      const catalog = messages.find((m) => m.type === "CATALOG")?.catalog
      assert(catalog, "no CATALOG message")
      const names = catalog.streams.map((s) => s.name).sort()
      assert(names.includes("leads"), `streams ${names.join(", ")} lack leads`)
      return `streams ${names.join(", ")}`
    })

    const first = await check("read (no catalog: built-in catalog)", async () => {
      const messages = await connector(["read", "--config", "/secrets/config.json"])
      const records = countRecords(messages)
      const leads = countRecords(messages, "leads")
      assert(records > 0, "no RECORD messages")
      assert(leads > 0, "no leads records")
      const leadsState = messages.filter((m) =>
        m.type === "STATE" && m.state?.stream?.stream_descriptor?.name === "leads"
      ).at(-1)
      assert(leadsState, "no STATE message for leads")
      return { records, leads, leadsState: leadsState.state, summary: `${records} records (${leads} leads)` }
    })

    await check("read --catalog /config/catalog.json --state /data/state.json (read-only mounts)", async () => {
      assert(first, "needs the first read's state")
      writeMounted(join(dirs.config, "catalog.json"), JSON.parse(readFileSync(join(repo, "catalog.json"), "utf8")))
      writeMounted(join(dirs.data, "state.json"), [first.leadsState])
      const before = listFiles(work)
      const messages = await connector(
        [
          "read",
          "--config",
          "/secrets/config.json",
          "--catalog",
          "/config/catalog.json",
          "--state",
          "/data/state.json"
        ],
        [secretsRo, [dirs.config, "/config", "ro"], [dirs.data, "/data", "ro"]]
      )
      const records = countRecords(messages)
      const leads = countRecords(messages, "leads")
      assert(
        records < first.records,
        `state run returned ${records} records, not fewer than the first run's ${first.records}`
      )
      assert(leads < first.leads, `state run returned ${leads} leads, not fewer than the first run's ${first.leads}`)
      const after = listFiles(work)
      assert(
        JSON.stringify(before) === JSON.stringify(after),
        `files appeared next to the mounted inputs: ${after.filter((f) => !before.includes(f)).join(", ")}`
      )
      return `${records} records (${leads} leads) vs ${first.records} (${first.leads})`
    })
  } finally {
    cleanUp()
  }

  await check(`image size (target < ${SIZE_TARGET_MB} MB, limit ${SIZE_LIMIT_MB} MB)`, () => {
    const mb = (imageSize(TAG) ?? NaN) / 1e6
    assert(Number.isFinite(mb) && mb > 0, "could not read the image size")
    const base = imageSize(BASE_IMAGE)
    if (base !== undefined) {
      log(
        `        base ${BASE_IMAGE}: ${(base / 1e6).toFixed(1)} MB; the connector adds ${
          (mb - base / 1e6).toFixed(1)
        } MB`
      )
    }
    assert(mb <= SIZE_LIMIT_MB, `${mb.toFixed(1)} MB exceeds ${SIZE_LIMIT_MB} MB`)
    return `${mb.toFixed(1)} MB${mb > SIZE_TARGET_MB ? ` (WARNING: above the ${SIZE_TARGET_MB} MB target)` : ""}`
  })
}

try {
  await main()
} catch (error) {
  results.push({ name: "harness", ok: false })
  log(`  FAIL  harness: ${error?.stack ?? error}`)
} finally {
  cleanUp()
}
const failed = results.filter((r) => !r.ok).length
const passed = results.length - failed
log(`image test: ${passed} passed, ${failed} failed (${secs(Date.now() - started)})${failed ? " — FAIL" : " — PASS"}`)
process.exitCode = failed > 0 || passed === 0 ? 1 : 0
