/**
 * The launcher's V8 code cache (`src/launcher.ts`), on a copy of the built `dist/`: the first
 * start writes it, later starts accept it (and leave it as it is), one that V8 refuses is
 * replaced, and a command that runs on past start-up writes it while it runs rather than at its
 * end (a cache written at the end of a long read lacked the start-up code, which V8 had dropped
 * by then). On Node ≥ 22.1 the cache is Node's own: the first start fills the folder.
 */
import { execFileSync, spawn } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const dist = fileURLToPath(new URL("../../dist", import.meta.url))
const root = mkdtempSync(path.join(os.tmpdir(), "launcher-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A fresh copy of dist/ without a cache; returns its launcher and cache folder. */
const copy = (name: string) => {
  const dir = path.join(root, name)
  cpSync(dist, path.join(dir, "dist"), { recursive: true, filter: (from) => !from.includes("compile-cache") })
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }))
  return { main: path.join(dir, "dist", "main.js"), cache: path.join(dir, "dist", "compile-cache") }
}
const spec = (main: string) => {
  const out = execFileSync(process.execPath, [main, "spec"], { encoding: "utf8" })
  expect(JSON.parse(out.trim()).type).toBe("SPEC")
}
const files = (cache: string) => (existsSync(cache) ? readdirSync(cache) : [])
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
/** Node ≥ 22.1 has its own module compile cache, which the launcher uses. */
const nodeCache = major > 22 || (major === 22 && minor >= 1)

describe.runIf(!nodeCache)("the launcher's own code cache (Node < 22.1)", () => {
  it("is written by the first start, then accepted and left as it is; a refused one is replaced", () => {
    const { cache, main } = copy("accept")
    spec(main)
    const [file] = files(cache)
    expect(file).toMatch(new RegExp(`^source-smartlead\\.cjs\\.${process.version}-${process.arch}\\.v8$`))
    const full = path.join(cache, file!)
    const first = statSync(full).mtimeMs
    const bytes = readFileSync(full)
    expect(bytes.length).toBeGreaterThan(100_000)
    spec(main)
    expect(statSync(full).mtimeMs).toBe(first)
    // Another Node's cache, or a damaged one: V8 refuses it, the program still runs, and the
    // launcher writes a good one in its place.
    writeFileSync(full, bytes.subarray(0, 1000))
    spec(main)
    const replaced = statSync(full)
    expect(replaced.size).toBeGreaterThan(100_000)
    spec(main)
    expect(statSync(full).mtimeMs).toBe(replaced.mtimeMs)
  })

  it("is written while a command runs on past start-up, not only at its end", async () => {
    const { cache, main } = copy("running")
    // An API that answers after 5 s: `check` runs on well past start-up.
    const server = createServer((_, response) => {
      setTimeout(() => response.writeHead(200, { "content-type": "application/json" }).end("[]"), 5000)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const config = path.join(root, "running.json")
    writeFileSync(
      config,
      JSON.stringify({
        api_key: "launcher-test-key",
        base_url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`
      })
    )
    const child = spawn(process.execPath, [main, "check", "--config", config], { stdio: "ignore" })
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    let running = true
    void exited.then(() => (running = false))
    try {
      const deadline = Date.now() + 4000
      while (files(cache).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(files(cache)).toHaveLength(1)
      expect(running).toBe(true)
    } finally {
      child.kill()
      await exited
      server.close()
    }
  })
})

describe.runIf(nodeCache)("Node's compile cache (Node ≥ 22.1)", () => {
  it("is filled by the first start", () => {
    const { cache, main } = copy("node")
    spec(main)
    expect(files(cache).length).toBeGreaterThan(0)
  })
})
