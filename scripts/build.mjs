// Builds the executables into dist/: both programs (src/main.ts → source-smartlead.mjs,
// src/tap.ts → tap-smartlead.mjs) as minified ES modules split into shared chunks
// (dist/chunks/), each file with its source map (*.mjs.map, positions only: stack traces name
// src/ files and lines, the sources themselves are not shipped), started by a tiny ESM launcher
// (dist/main.js, dist/tap.js; src/launcher.ts) that switches on Node's compile cache and imports
// the program; and the SmartLead simulator used by the demo and the image test into
// dist-dev/simulator.js. The two programs share one chunk; a dynamic `import()` would get a chunk
// of its own, loaded on first use. ES modules evaluate their top level without esbuild's lazy
// CommonJS wrappers, so Node's compile cache holds that code too. The launcher's first line (its
// `#!/usr/bin/env -S node <flags>`, with the V8 heap flags) is kept as the first line of both.
import { build } from "esbuild"
import { chmod, rm } from "node:fs/promises"

// @effect/cli can read option values from YAML/TOML/INI files; this connector never does, so
// those parsers (and fast-check, reached only through Schema's Arbitrary) are left out of the
// bundle: less code to load at every start. Reaching one of them anyway fails loudly.
const omitUnused = {
  name: "omit-unused",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini|fast-check)$/ }, (args) => ({ path: args.path, namespace: "omitted" }))
    build.onLoad({ filter: /.*/, namespace: "omitted" }, (args) => ({
      contents: `const fail = () => { throw new Error(${JSON.stringify(args.path)} + " is not bundled") }
module.exports = new Proxy({}, { get: (_, key) => key === "__esModule" ? false : fail })`,
      loader: "js"
    }))
  }
}

const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning", legalComments: "none" }
const programs = [
  { launcher: "main", bundle: "source-smartlead", entry: "src/main.ts" },
  { launcher: "tap", bundle: "tap-smartlead", entry: "src/tap.ts" }
]

await rm("dist", { recursive: true, force: true })
await build({
  ...common,
  format: "esm",
  splitting: true,
  entryPoints: Object.fromEntries(programs.map((p) => [p.bundle, p.entry])),
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  // CommonJS packages call require for Node built-ins, which ESM lacks: each chunk gets
  // one, made on first call (createRequire costs a few ms at start in every chunk otherwise).
  banner: {
    js:
      "import { createRequire as __cr } from \"node:module\"; let __r; const require = (id) => (__r ??= __cr(import.meta.url))(id);"
  },
  minify: true,
  sourcemap: "linked",
  sourcesContent: false,
  plugins: [omitUnused]
})
for (const program of programs) {
  await build({
    ...common,
    format: "esm",
    entryPoints: ["src/launcher.ts"],
    outfile: `dist/${program.launcher}.js`,
    define: { BUNDLE: JSON.stringify(`${program.bundle}.mjs`) },
    external: [`./${program.bundle}.mjs`],
    minify: true
  })
  await chmod(`dist/${program.launcher}.js`, 0o755)
}
await build({
  ...common,
  format: "esm",
  entryPoints: ["test/simulator/main.ts"],
  outfile: "dist-dev/simulator.js"
})
