// Builds the executables into dist/: each program (src/main.ts → source-smartlead.cjs,
// src/tap.ts → tap-smartlead.cjs) as one minified CommonJS file with its source map (*.cjs.map,
// positions only: stack traces name src/ files and lines, the sources themselves are not
// shipped), started by a tiny ESM launcher (dist/main.js, dist/tap.js; src/launcher.ts) that
// loads it through a V8 code cache (Node's compile cache on Node ≥ 22.1, its own before); and the
// SmartLead simulator used by the demo and the image test into dist-dev/simulator.js. The
// launcher's first line (its `#!/usr/bin/env -S node <flags>`, with the V8 heap flags) is kept as
// the first line of both.
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
for (const program of programs) {
  // One CommonJS file a program: a V8 code cache can be kept for it on every Node (the launcher
  // keeps one by hand where Node has no compile cache of its own, before 22.1); Node's loader
  // offers none for ES modules there.
  await build({
    ...common,
    format: "cjs",
    entryPoints: [program.entry],
    outfile: `dist/${program.bundle}.cjs`,
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    plugins: [omitUnused]
  })
  await build({
    ...common,
    format: "esm",
    entryPoints: ["src/launcher.ts"],
    outfile: `dist/${program.launcher}.js`,
    define: { BUNDLE: JSON.stringify(`${program.bundle}.cjs`) },
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
