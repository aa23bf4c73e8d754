// Bundles the connector into dist/main.js (the HTTP client split into a chunk loaded only by
// check and read, so spec and discover start fast), and the SmartLead simulator used by
// the demo and the image test into dist-dev/simulator.js.
import { build } from "esbuild"
import { chmod, rm } from "node:fs/promises"

// @effect/cli can read option values from YAML/TOML/INI files; this connector never does, so
// those parsers (and fast-check, reached only through Schema's Arbitrary) are left out of the
// bundle: less code to compile at every start. Reaching one of them anyway fails loudly.
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

const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", legalComments: "none" }
const banner = { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }

await rm("dist", { recursive: true, force: true })
await build({
  ...common,
  entryPoints: { main: "src/main.ts", tap: "src/tap.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  banner,
  minify: true,
  plugins: [omitUnused]
})
await chmod("dist/main.js", 0o755)
await chmod("dist/tap.js", 0o755)
await build({ ...common, entryPoints: ["test/simulator/main.ts"], outfile: "dist-dev/simulator.js" })
