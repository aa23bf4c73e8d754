// The baseline the connector is measured against: the least work one process can do to turn the
// SmartLead API into the same RECORD lines. Plain Node and undici, nothing else:
//
// - HTTP: undici's `Agent` (keep-alive, the dispatcher the connector's HTTP client uses too) and
//   `dispatcher.request`, the body read as text and `JSON.parse`d;
// - requests: the campaign list (unless --campaign-ids), the lead categories once, then each
//   campaign's lead pages in order, `--concurrency` campaigns at a time (default: the
//   connector's rule for an unlimited rate, min(campaigns, 8)); a campaign stops on a short or
//   empty page or at the reported total, as the connector's does;
// - records: each row flattened the way the connector does it (src/smartlead/Models.ts, in place:
//   the lead object plus the row's fields, `lead_category_id` → `category_id`, digit strings of
//   the id fields made numbers, `campaign_id`, `category_name` from the categories), then
//   `JSON.stringify`d into a RECORD line; the same record bytes as the connector's, key order
//   included (bench/run.mjs checks that);
// - output: one stdout write per page, waiting for 'drain' when stdout is backed up.
//
// Not done, since the connector's extra work is what the comparison is about: no validation of
// the config or the pages, no retries, no rate limit, no STATE, no logs, no Effect.
//
//   node bench/baseline.mjs --base-url http://127.0.0.1:PORT/api/v1 --api-key K
//     [--campaign-ids 1,2] [--page-size 100] [--concurrency N] [--endpoint leads|statistics]
import { readFileSync } from "node:fs"
import { Agent } from "undici"

// The leads record's declared fields, in schema order: the connector emits every one of them
// (null when the API sent none) before any other field, so the baseline does the same work.
const catalog = JSON.parse(readFileSync(new URL("../catalog.json", import.meta.url), "utf8"))
const DECLARED = Object.keys(catalog.streams.find((s) => s.stream.name === "leads").stream.json_schema.properties)
const conform = (record) => {
  const out = {}
  for (const key of DECLARED) out[key] = record[key] ?? null
  for (const key in record) if (!(key in out)) out[key] = record[key]
  return out
}

const args = process.argv.slice(2)
const arg = (name, fallback) => {
  const index = args.indexOf(name)
  return index < 0 ? fallback : args[index + 1]
}
const base = new URL(arg("--base-url").replace(/\/+$/, ""))
const origin = base.origin
const prefix = base.pathname
const key = encodeURIComponent(arg("--api-key"))
const pageSize = Number(arg("--page-size", "100"))
const agent = new Agent()

const get = async (path) => {
  const { statusCode, body } = await agent.request({
    origin,
    method: "GET",
    path: `${prefix}${path}${path.includes("?") ? "&" : "?"}api_key=${key}`,
    headers: { accept: "application/json" }
  })
  const text = await body.text()
  if (statusCode !== 200) throw new Error(`GET ${path}: HTTP ${statusCode}`)
  return JSON.parse(text)
}

const write = (text) =>
  new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once("drain", resolve)
  })

const DIGITS = /^-?\d+$/
const toInteger = (value) => {
  if (typeof value === "string" && DIGITS.test(value)) {
    const parsed = Number(value)
    return Number.isSafeInteger(parsed) ? parsed : value
  }
  return value
}

/** A row of the real shape made the connector's record, in place (no checks: the bench server's rows are well-formed). */
const flatten = (row, campaignId, categories) => {
  const record = row.lead
  const id = record.id
  for (const key in row) {
    if (key === "lead") continue
    record[key === "lead_category_id" ? "category_id" : key] = row[key]
  }
  record.id = toInteger(id)
  record.campaign_id = campaignId
  if ("campaign_lead_map_id" in record) record.campaign_lead_map_id = toInteger(record.campaign_lead_map_id)
  if ("category_id" in record) {
    record.category_id = toInteger(record.category_id)
    if (record.category_id !== null && record.category_name === undefined) {
      record.category_name = categories.get(record.category_id) ?? null
    }
  }
  return record
}

const readCampaign = async (campaignId, categories) => {
  let total = 0
  for (let offset = 0;;) {
    const page = await get(`/campaigns/${campaignId}/leads?offset=${offset}&limit=${pageSize}`)
    const rows = page.data ?? page.leads ?? []
    if (rows.length > 0) {
      const start = `{"type":"RECORD","record":{"stream":"leads","emitted_at":${Date.now()},"data":`
      let lines = ""
      for (const row of rows) lines += start + JSON.stringify(conform(flatten(row, campaignId, categories))) + "}}\n"
      await write(lines)
    }
    offset += rows.length
    total += rows.length
    const reported = toInteger(page.total_leads ?? page.total)
    if (rows.length === 0 || rows.length < pageSize || (typeof reported === "number" && offset >= reported)) {
      return total
    }
  }
}

const main = async () => {
  const ids = arg("--campaign-ids")
  const campaignIds = ids
    ? ids.split(",").map(Number)
    : (await get("/campaigns")).map((campaign) => toInteger(campaign.id))
  const categories = new Map(
    (await get("/leads/fetch-categories")).map((category) => [toInteger(category.id), category.name])
  )
  const concurrency = Number(arg("--concurrency", String(Math.max(1, Math.min(campaignIds.length, 8)))))
  let next = 0
  let total = 0
  const worker = async () => {
    while (next < campaignIds.length) total += await readCampaign(campaignIds[next++], categories)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  process.stderr.write(`baseline: ${total} records from ${campaignIds.length} campaigns, ${concurrency} at a time\n`)
  await agent.close()
}

// --endpoint statistics (bench part e): the same least work for GET /campaigns/:id/statistics,
// pages of 100 until a short page or total_stats; each row without email_message, plus campaign_id.
const mainStatistics = async () => {
  const ids = arg("--campaign-ids")
  const campaignIds = ids
    ? ids.split(",").map(Number)
    : (await get("/campaigns")).map((campaign) => Number(campaign.id))
  let total = 0
  for (const campaignId of campaignIds) {
    for (let offset = 0;;) {
      const page = await get(`/campaigns/${campaignId}/statistics?offset=${offset}&limit=100`)
      const rows = page.data ?? []
      if (rows.length > 0) {
        const start = `{"type":"RECORD","record":{"stream":"campaign_statistics","emitted_at":${Date.now()},"data":`
        let lines = ""
        for (const row of rows) {
          delete row.email_message
          row.campaign_id = campaignId
          lines += start + JSON.stringify(row) + "}}\n"
        }
        await write(lines)
      }
      offset += rows.length
      total += rows.length
      if (rows.length < 100 || offset >= Number(page.total_stats)) break
    }
  }
  process.stderr.write(`baseline: ${total} statistics records from ${campaignIds.length} campaigns\n`)
  await agent.close()
}
;(arg("--endpoint", "leads") === "statistics" ? mainStatistics() : main()).catch((error) => {
  process.stderr.write(`baseline failed: ${error.stack ?? error}\n`)
  process.exit(1)
})
