/**
 * Stack traces that name the sources. The executables are minified bundles with a source map
 * beside each file (`dist/*.cjs.map`), so a raw frame says `dist/source-smartlead.cjs:1:48213`.
 * Node's
 * own source-map support would read and decode the whole map at every start (Effect formats a
 * stack trace while it loads), so frames are mapped here instead, only when a trace is rendered
 * for output: every `path:line:column` whose file has a `.map` beside it becomes the original
 * source's path, line and column. A map is read on first use and kept; text without such
 * frames (running from the TypeScript sources, say) is returned unchanged.
 */
import { readFileSync } from "node:fs"
import { SourceMap } from "node:module"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const maps = new Map<string, SourceMap | undefined>()

const mapOf = (file: string): SourceMap | undefined => {
  if (!maps.has(file)) {
    let map: SourceMap | undefined
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")))
    } catch {
      map = undefined // no map beside it (or an unreadable one): the frame stays as it is
    }
    maps.set(file, map)
  }
  return maps.get(file)
}

/** A frame's location: an absolute path or file URL of a .js/.cjs/.mjs file, then line and column. */
const LOCATION = /((?:file:\/\/)?\/[^\s():]+\.[cm]?js):(\d+):(\d+)/g

/** The text with every bundle location replaced by its original source location. */
export const withSourceLocations = (text: string): string =>
  text.replace(LOCATION, (location: string, file: string, line: string, column: string) => {
    const path = file.startsWith("file://") ? fileURLToPath(file) : file
    const entry = mapOf(path)?.findEntry(Number(line) - 1, Number(column) - 1)
    if (entry === undefined || !("originalSource" in entry)) return location
    return `${resolve(dirname(path), entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`
  })
