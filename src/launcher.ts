#!/usr/bin/env node
/**
 * Start-up of the bundled executables (`dist/main.js`, `dist/tap.js`). Each program is one
 * CommonJS bundle beside its launcher; the launcher runs it through `vm.Script` with the V8 code
 * cache written next to it at build time, so a start skips parsing and compiling about a
 * megabyte of JavaScript. A cache made by another Node version is rejected by V8 and the bundle
 * is simply compiled. Nothing is written at run time unless `SOURCE_SMARTLEAD_WRITE_CODE_CACHE`
 * is set (the build does that once).
 */
import { readFileSync, writeFileSync } from "node:fs"
import Module, { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"

declare const BUNDLE: string

const filename = fileURLToPath(new URL(`./${BUNDLE}`, import.meta.url))
const cacheFile = filename.replace(/\.cjs$/, ".cache")
const readCache = (): Buffer | undefined => {
  try {
    return readFileSync(cacheFile)
  } catch {
    return undefined
  }
}
const cachedData = readCache()
const script = new Script(Module.wrap(readFileSync(filename, "utf8")), {
  filename,
  ...(cachedData === undefined ? {} : { cachedData })
})
if (process.env["SOURCE_SMARTLEAD_WRITE_CODE_CACHE"] !== undefined) {
  process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()))
}
const module = { exports: {} }
const run = script.runInThisContext() as (...args: ReadonlyArray<unknown>) => void
run.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename))
