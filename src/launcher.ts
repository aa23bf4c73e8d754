#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=30 --single-threaded-gc
/**
 * Start-up of the bundled executables (`dist/main.js`, `dist/tap.js`): each program is an ES
 * module beside its launcher (with chunks it shares in `dist/chunks/`), imported once the compile
 * cache is on. Node's module compile cache (`module.enableCompileCache`, Node ≥ 22.1) keeps V8's
 * compiled code of every module in `dist/compile-cache/`, so a start reads it instead of compiling
 * most of a megabyte of JavaScript; the container image fills that directory at build time for
 * its user, and it is read-only at run time (Node then only reads it). When the cache cannot be
 * used (older Node, a directory this user cannot write, `NODE_DISABLE_COMPILE_CACHE=1`) the modules
 * are simply compiled; nothing is ever printed. Each module's source map lies beside it; stack
 * traces the runner prints are mapped through it when they are rendered
 * (`airbyte/StackTraces.ts`), not at start.
 *
 * The first line also sets the V8 heap the connector runs with, and the Dockerfile's ENTRYPOINT
 * repeats it (a unit test keeps the two equal; the benchmark reads it from here): a young
 * generation of at most 4 MB a semi-space, an old generation collected once it has grown 30 %
 * past what the last full collection kept, and the collector's work done on the main thread. A
 * read allocates fast and keeps little (a page at a time, the partitions' cursors), and V8's
 * defaults size the heap for the opposite: on Node 24 a 200,000-lead read peaked at 260 MB with
 * them and about 125 MB with these; collecting on one thread saves the helper threads'
 * hand-offs, about 6 % of the CPU time of a 20-campaign read (bench/RESULTS.md, issue 23).
 * `env -S` passes them on (GNU coreutils ≥ 8.30, macOS).
 */
import Module from "node:module"
import { fileURLToPath } from "node:url"

declare const BUNDLE: string

const { enableCompileCache } = Module as { enableCompileCache?: (directory: string) => unknown }
enableCompileCache?.(fileURLToPath(new URL("./compile-cache", import.meta.url)))
await import(`./${BUNDLE}`)
