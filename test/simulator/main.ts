/**
 * CLI for the SmartLead API simulator.
 *
 *   node <bundled main.js> [--port 0] [--campaigns 3] [--leads 25 | --leads 10,0,5]
 *       [--shape real|documented|mixed] [--order ascending|descending|shuffled] [--latency-ms 0]
 *       [--seed 1] [--api-key KEY] [--base-time ISO] [--ignore-created-at-filter]
 *       [--rate-limit N] [--extra-fields-every N] [--sends 12 | --sends 10,0,5] [--email-accounts 3]
 *
 * Prints ONE JSON line {"url","apiKey","campaignIds"} to stdout, then serves until SIGTERM/SIGINT (exit 0).
 * Only node builtins and this directory's files are imported.
 */
import { startSimulator } from "./Simulator.js"
import type { SimulatorOptions } from "./Simulator.js"
import type { Order, Shape } from "./data.js"

const usage = (message: string): never => {
  process.stderr.write(`simulator: ${message}\n`)
  process.exit(2)
}

const parseArgs = (argv: ReadonlyArray<string>): Map<string, string> => {
  const out = new Map<string, string>()
  const flags = new Set(["ignore-created-at-filter"])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (!arg.startsWith("--")) usage(`unexpected argument: ${arg}`)
    const eq = arg.indexOf("=")
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    if (eq >= 0) out.set(name, arg.slice(eq + 1))
    else if (flags.has(name)) out.set(name, "true")
    else {
      const value = argv[i + 1]
      if (value === undefined) usage(`missing value for --${name}`)
      out.set(name, value ?? "")
      i++
    }
  }
  return out
}

const int = (name: string, raw: string): number => {
  if (!/^\d+$/.test(raw)) usage(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  return Number(raw)
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  const known = new Set([
    "port", "campaigns", "leads", "shape", "order", "latency-ms", "seed", "api-key", "base-time",
    "ignore-created-at-filter", "rate-limit", "extra-fields-every", "sends", "email-accounts"
  ])
  for (const k of args.keys()) if (!known.has(k)) usage(`unknown option --${k}`)

  const options: SimulatorOptions = {}
  const get = (k: string) => args.get(k)
  const port = get("port")
  if (port !== undefined) options.port = int("port", port)
  const campaigns = get("campaigns")
  if (campaigns !== undefined) options.campaigns = int("campaigns", campaigns)
  const leads = get("leads")
  if (leads !== undefined) {
    options.leadsPerCampaign = leads.includes(",") ? leads.split(",").map((x) => int("leads", x.trim())) : int("leads", leads)
  }
  const shape = get("shape")
  if (shape !== undefined) {
    if (shape !== "real" && shape !== "documented" && shape !== "mixed") usage(`--shape must be real|documented|mixed`)
    options.shape = shape as Shape
  }
  const order = get("order")
  if (order !== undefined) {
    if (order !== "ascending" && order !== "descending" && order !== "shuffled") {
      usage(`--order must be ascending|descending|shuffled`)
    }
    options.order = order as Order
  }
  const latency = get("latency-ms")
  if (latency !== undefined) options.latencyMs = int("latency-ms", latency)
  const seed = get("seed")
  if (seed !== undefined) options.seed = int("seed", seed)
  const apiKey = get("api-key")
  if (apiKey !== undefined) options.apiKey = apiKey
  const baseTime = get("base-time")
  if (baseTime !== undefined) options.baseTime = baseTime
  if (get("ignore-created-at-filter") === "true") options.ignoreCreatedAtFilter = true
  const rateLimit = get("rate-limit")
  if (rateLimit !== undefined) options.rateLimit = { perSecond: int("rate-limit", rateLimit), retryAfterSeconds: 1 }
  const extra = get("extra-fields-every")
  if (extra !== undefined) options.extraFieldsEvery = int("extra-fields-every", extra)

  const sends = get("sends")
  const emailAccounts = get("email-accounts")
  if (sends !== undefined || emailAccounts !== undefined) {
    options.engagement = {
      ...(sends === undefined ? {} : { sendsPerCampaign: sends.includes(",") ? sends.split(",").map((x) => int("sends", x.trim())) : int("sends", sends) }),
      ...(emailAccounts === undefined ? {} : { emailAccounts: int("email-accounts", emailAccounts) })
    }
  }

  const sim = await startSimulator(options)
  process.stdout.write(JSON.stringify({ url: sim.url, apiKey: sim.apiKey, campaignIds: sim.campaignIds }) + "\n")

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void sim.close().then(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
