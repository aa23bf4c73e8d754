#!/usr/bin/env node
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
 */
import Module from "node:module"
import { fileURLToPath } from "node:url"

declare const BUNDLE: string

const { enableCompileCache } = Module as { enableCompileCache?: (directory: string) => unknown }
enableCompileCache?.(fileURLToPath(new URL("./compile-cache", import.meta.url)))
await import(`./${BUNDLE}`)
