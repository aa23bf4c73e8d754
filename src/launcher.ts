#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=30 --no-concurrent-recompilation
/**
 * Start-up of the bundled executables (`dist/main.js`, `dist/tap.js`): each program is one
 * CommonJS file beside its launcher, loaded through V8's code cache in `dist/compile-cache/`, so
 * a start reads compiled code instead of compiling most of a megabyte of JavaScript: Node's own
 * module compile cache where it has one (`module.enableCompileCache`, Node ≥ 22.1; the container
 * image fills it at build time for its user, read-only at run time), and on older Node the
 * launcher's (`vm.Script` with `cachedData`; on Node 20 `spec` then takes about a quarter less
 * time and 10 MB less memory). When no cache can be used (a directory this user cannot write,
 * `NODE_DISABLE_COMPILE_CACHE=1` on Node ≥ 22.1) the program is simply compiled; nothing is ever
 * printed. Each module's source map lies beside it; stack
 * traces the runner prints are mapped through it when they are rendered
 * (`airbyte/StackTraces.ts`), not at start.
 *
 * The first line also sets the V8 heap the connector runs with, and the Dockerfile's ENTRYPOINT
 * repeats it (a unit test keeps the two equal; the benchmark reads it from here): a young
 * generation of at most 4 MB a semi-space, an old generation collected once it has grown 30 %
 * past what the last full collection kept, and optimised code compiled on the main thread. A
 * read allocates fast and keeps little (a page at a time, the partitions' cursors), and V8's
 * defaults size the heap for the opposite: on Node 24 a 200,000-lead read peaked at 260 MB with
 * them and about 101 MB with these. Compiling on the main thread saves the compiler thread's
 * memory (about 14 MB on Node 24, 7 on Node 20) for the same CPU time, a tenth more wall time
 * when nothing else limits a read. `--single-threaded-gc` is not among them: on Node 24 it kept
 * some 30 MB of freed heap pages resident (their release is a background job) for no CPU gained
 * (bench/HOT-PATH.md §6–7, issue 23).
 * `env -S` passes them on (GNU coreutils ≥ 8.30, macOS).
 */
import { accessSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import Module from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"

declare const BUNDLE: string

const file = fileURLToPath(new URL(`./${BUNDLE}`, import.meta.url))
const cacheDirectory = fileURLToPath(new URL("./compile-cache", import.meta.url))
const { enableCompileCache } = Module as { enableCompileCache?: (directory: string) => unknown }

if (enableCompileCache !== undefined) {
  enableCompileCache(cacheDirectory)
  Module.createRequire(import.meta.url)(file)
} else {
  // Node < 22.1: the program is compiled through V8's code cache by hand, in CommonJS's wrapper
  // (its columns on the first line shifted back, so stack traces keep their positions). The
  // cache is written after start-up when there was none or V8 refused it (another Node or other
  // flags); a directory this user cannot write leaves it unwritten, silently.
  const cacheFile = `${cacheDirectory}/${BUNDLE}.${process.version}-${process.arch}.v8`
  let cachedData: Buffer | undefined
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const prefix = "(function (exports, require, module, __filename, __dirname) { "
  const script = new Script(`${prefix}${readFileSync(file, "utf8")}\n})`, {
    filename: file,
    columnOffset: -prefix.length,
    ...(cachedData === undefined ? {} : { cachedData })
  })
  if (cachedData === undefined || script.cachedDataRejected === true) {
    // Written once start-up is over: at exit, or half a second in when the command runs on (a
    // read). Not at the end of a long read: by then V8 has dropped the bytecode of start-up
    // functions it has not run for a while, and a cache without them made every later start
    // about 100 ms slower (bench/HOT-PATH.md §7).
    let saved = false
    const save = () => {
      if (saved) return
      saved = true
      try {
        // Writability first: serialising the code costs tens of ms, wasted on a read-only dist/.
        mkdirSync(cacheDirectory, { recursive: true })
        accessSync(cacheDirectory, constants.W_OK)
        writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData())
        renameSync(`${cacheFile}.${process.pid}`, cacheFile)
      } catch {
        // read-only, or gone: the next start compiles again
      }
    }
    process.once("exit", save)
    setTimeout(save, 500).unref()
  }
  const module = { exports: {} }
  ;(script.runInThisContext() as (...args: ReadonlyArray<unknown>) => void)(
    module.exports,
    Module.createRequire(file),
    module,
    file,
    dirname(file)
  )
}
