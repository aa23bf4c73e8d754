// Writes spec.json (the `spec` command's specification) and catalog.json (a configured catalog
// of every stream, leads incremental) from the built connector, so both always match the code.
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const run = (...args) =>
  execFileSync(process.execPath, ["dist/main.js", ...args], { encoding: "utf8" })
    .split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line))

const spec = run("spec").find((message) => message.type === "SPEC").spec
writeFileSync("spec.json", JSON.stringify(spec, null, 2) + "\n")

const dir = mkdtempSync(join(tmpdir(), "generate-"))
try {
  const config = join(dir, "config.json")
  writeFileSync(config, JSON.stringify({ api_key: "placeholder" }))
  const catalog = run("discover", "--config", config).find((message) => message.type === "CATALOG").catalog
  const configured = {
    streams: catalog.streams.map((stream) => {
      const incremental = stream.supported_sync_modes.includes("incremental")
      return {
        stream,
        sync_mode: incremental ? "incremental" : "full_refresh",
        destination_sync_mode: incremental ? "append_dedup" : "overwrite",
        ...(incremental ? { cursor_field: stream.default_cursor_field } : {}),
        primary_key: stream.source_defined_primary_key
      }
    })
  }
  writeFileSync("catalog.json", JSON.stringify(configured, null, 2) + "\n")
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log("wrote spec.json and catalog.json")
