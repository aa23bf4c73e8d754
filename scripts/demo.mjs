// The README's main job: starts the bundled SmartLead simulator on 127.0.0.1 (no API key needed),
// runs `read --config` against it with the built connector, prints the protocol messages, and
// stops the simulator. Options: --campaigns N --leads M --shape real|documented|mixed.
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"

const args = process.argv.slice(2)
const simulator = spawn(process.execPath, [
  "dist-dev/simulator.js",
  "--campaigns",
  "3",
  "--leads",
  "25",
  "--shape",
  "mixed",
  ...args
], {
  stdio: ["ignore", "pipe", "inherit"]
})
const [line] = await new Promise((resolve, reject) => {
  simulator.on("error", reject)
  createInterface({ input: simulator.stdout }).once("line", (first) => resolve([first]))
})
const { apiKey, url } = JSON.parse(line)
const dir = mkdtempSync(join(tmpdir(), "source-smartlead-demo-"))
const config = join(dir, "config.json")
writeFileSync(
  config,
  JSON.stringify({ api_key: apiKey, base_url: url, max_requests_per_second: 20, page_size: 10 }, null, 2)
)
process.stderr.write(`simulator at ${url}; config ${config}\n`)
const read = spawn(process.execPath, ["dist/main.js", "read", "--config", config], { stdio: "inherit" })
const code = await new Promise((resolve) => read.on("close", (status) => resolve(status ?? 1)))
simulator.kill("SIGTERM")
rmSync(dir, { recursive: true, force: true })
process.exit(code)
