// Bundles the connector into one ESM file, dist/main.js, and the SmartLead simulator used by
// the demo and the image test into dist-dev/simulator.js.
import { build } from "esbuild"
import { chmod } from "node:fs/promises"

const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning", legalComments: "none" }
const banner = { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }

await build({ ...common, entryPoints: ["src/main.ts"], outfile: "dist/main.js", banner, minifySyntax: true, minifyWhitespace: true })
await chmod("dist/main.js", 0o755)
await build({ ...common, entryPoints: ["test/simulator/main.ts"], outfile: "dist-dev/simulator.js" })
