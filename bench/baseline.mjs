// The minimal baseline the connector's throughput is compared with: the least a SmartLead reader
// has to do. It lists the campaigns (or takes --campaign-ids), then reads each campaign's lead
// pages one after another over a keep-alive connection, parses each page, flattens each row like
// the connector's record (lead fields + row fields + campaign_id) and prints one RECORD line per
// lead, one stdout write per page (waiting for 'drain' when stdout is backed up). No validation,
// no retries, no rate limit, no STATE.
//
//   node bench/baseline.mjs --base-url http://127.0.0.1:PORT/api/v1 --api-key K
//     [--campaign-ids 1,2] [--page-size 100] [--client http|fetch] [--endpoint leads|statistics]
//
// --client http (default): node:http with an Agent { keepAlive: true, maxSockets: 1 };
// --client fetch: global fetch (undici, keep-alive by default). Part a of bench/run.mjs times
// both (2 runs each) and uses the faster; node:http has been the faster here (see bench/RESULTS.md).
import http from "node:http"

const args = process.argv.slice(2)
const arg = (name, fallback) => {
  const index = args.indexOf(name)
  return index < 0 ? fallback : args[index + 1]
}
const base = arg("--base-url").replace(/\/+$/, "")
const apiKey = arg("--api-key")
const pageSize = Number(arg("--page-size", "100"))
const client = arg("--client", "http")
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

const getHttp = (url) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { accept: "application/json" } }, (res) => {
        const chunks = []
        res.on("data", (chunk) => chunks.push(chunk))
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))
          else resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        })
        res.on("error", reject)
      })
      .on("error", reject)
  })

const getFetch = async (url) => {
  const res = await fetch(url, { headers: { accept: "application/json" } })
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return JSON.parse(await res.text())
}

const get = client === "fetch" ? getFetch : getHttp

const write = (text) =>
  new Promise((resolve) => {
    if (process.stdout.write(text)) resolve()
    else process.stdout.once("drain", resolve)
  })

const flatten = (row, campaignId) => {
  const record = { campaign_id: campaignId }
  const lead = row.lead
  for (const key in lead) record[key] = lead[key]
  for (const key in row) if (key !== "lead") record[key === "lead_category_id" ? "category_id" : key] = row[key]
  record.id = lead.id
  return record
}

const main = async () => {
  const key = encodeURIComponent(apiKey)
  const ids = arg("--campaign-ids")
  const campaignIds = ids
    ? ids.split(",").map(Number)
    : (await get(`${base}/campaigns?api_key=${key}`)).map((campaign) => Number(campaign.id))
  let total = 0
  for (const campaignId of campaignIds) {
    for (let offset = 0;;) {
      const page = await get(`${base}/campaigns/${campaignId}/leads?api_key=${key}&offset=${offset}&limit=${pageSize}`)
      const rows = page.data ?? page.leads ?? []
      if (rows.length > 0) {
        const prefix = `{"type":"RECORD","record":{"stream":"leads","emitted_at":${Date.now()},"data":`
        let lines = ""
        for (const row of rows) lines += prefix + JSON.stringify(flatten(row, campaignId)) + "}}\n"
        await write(lines)
      }
      offset += rows.length
      total += rows.length
      const reported = Number(page.total_leads ?? page.total)
      if (rows.length < pageSize || (Number.isFinite(reported) && offset >= reported)) break
    }
  }
  process.stderr.write(`baseline: ${total} records from ${campaignIds.length} campaigns\n`)
  agent.destroy()
}

// --endpoint statistics (bench part e): the same least work for GET /campaigns/:id/statistics,
// pages of 100 until a short page or total_stats; each row without email_message, plus campaign_id.
const mainStatistics = async () => {
  const key = encodeURIComponent(apiKey)
  const ids = arg("--campaign-ids")
  const campaignIds = ids ? ids.split(",").map(Number) : (await get(`${base}/campaigns?api_key=${key}`)).map((campaign) => Number(campaign.id))
  let total = 0
  for (const campaignId of campaignIds) {
    for (let offset = 0;;) {
      const page = await get(`${base}/campaigns/${campaignId}/statistics?api_key=${key}&offset=${offset}&limit=100`)
      const rows = page.data ?? []
      if (rows.length > 0) {
        const prefix = `{"type":"RECORD","record":{"stream":"campaign_statistics","emitted_at":${Date.now()},"data":`
        let lines = ""
        for (const row of rows) {
          delete row.email_message
          row.campaign_id = campaignId
          lines += prefix + JSON.stringify(row) + "}}\n"
        }
        await write(lines)
      }
      offset += rows.length
      total += rows.length
      if (rows.length < 100 || offset >= Number(page.total_stats)) break
    }
  }
  process.stderr.write(`baseline: ${total} statistics records from ${campaignIds.length} campaigns\n`)
  agent.destroy()
}

;(arg("--endpoint", "leads") === "statistics" ? mainStatistics() : main()).catch((error) => {
  process.stderr.write(`baseline failed: ${error.stack ?? error}\n`)
  process.exit(1)
})
