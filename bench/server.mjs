// A fast loopback SmartLead server for the benchmark (node:http, 127.0.0.1 only).
//
// Every page body of the configured page size is serialised once, at start-up, into a Buffer, so
// answering a request is a map lookup and one write: the server is never the bottleneck. Other
// offset/limit pairs (and `created_at_gt` queries) are generated on demand from the same
// deterministic lead generator. Options: a fixed per-request latency, and a server-side rate limit
// (sliding 1 s window of accepted requests, like test/simulator) answering 429 when exceeded.
// GET /leads/fetch-categories answers three categories (the rows use category 1), so the
// connector and the baseline both fill category_name from it.
//
// Use it in-process (`startServer(options)`), as a forked child (`fork("bench/server.mjs")`, which
// reads its options from the BENCH_SERVER env var as JSON and talks over IPC: it sends
// {type:"ready",port,url}; on {type:"stats"} it replies {type:"stats",stats}; on {type:"reset"}
// it zeroes the counters), or by hand for profiling:
//   node bench/server.mjs --campaigns 20 --leads 5000 [--latency-ms 0] [--rate-limit 10] [--port 0]
import http from "node:http"

export const API_KEY = "bench-key"
const FIRST_CAMPAIGN_ID = 2710262
const FIRST_LEAD_ID = 2995276770 // above 2^31, like real ids
const FIRST_MAP_ID = 2433664091
const START_MS = Date.parse("2025-01-01T00:00:00.000Z")
const FIRST = ["John", "Jane", "Ana", "Wei", "Olu", "Priya", "Lars", "Maria", "Kenji", "Sam"]
const LAST = ["Doe", "Smith", "García", "Chen", "Okafor", "Patel", "Berg", "Rossi", "Sato", "Lee"]
const CITY = ["San Francisco, CA", "Berlin, DE", "São Paulo, BR", "Lagos, NG", "Pune, IN"]
const STATUS = ["STARTED", "INPROGRESS", "COMPLETED", "PAUSED"]
const TITLE = ["CEO", "CTO", "VP Sales", "Head of Growth", "Founder"]
/** GET /leads/fetch-categories (rows use category 1). */
const CATEGORIES = [
  { id: 1, name: "Interested", created_at: "2022-04-22T02:43:21.562Z", sentiment_type: "positive" },
  { id: 2, name: "Meeting Request", created_at: "2022-04-22T02:43:21.562Z", sentiment_type: "positive" },
  { id: 3, name: "Not Interested", created_at: "2022-04-22T02:43:21.562Z", sentiment_type: "negative" }
]

/** The campaign list: `[{id, leads}]` from a count and leads per campaign, or given as is. */
export const campaignsOf = (options) =>
  options.campaignSpec ??
    Array.from(
      { length: options.campaigns ?? 1 },
      (_, index) => ({ id: FIRST_CAMPAIGN_ID + index, leads: options.leads ?? 100 })
    )

/** Row `n` (0-based) of a campaign, in the real `{…, lead:{…}}` shape; created_at strictly increasing. */
const row = (campaignIndex, n, globalIndex) => {
  const first = FIRST[n % FIRST.length]
  const last = LAST[(n >> 3) % LAST.length]
  const company = `Company ${(n * 7919) % 100003}`
  return {
    campaign_lead_map_id: FIRST_MAP_ID + globalIndex,
    lead_category_id: n % 5 === 0 ? 1 : null,
    status: STATUS[n % STATUS.length],
    created_at: new Date(START_MS + campaignIndex * 86_400_000 + n * 1000).toISOString(),
    lead: {
      id: FIRST_LEAD_ID + globalIndex,
      first_name: first,
      last_name: last,
      email: `${first.toLowerCase()}.${n}@c${campaignIndex}.example.com`,
      phone_number: `+1555${String(n).padStart(7, "0")}`,
      company_name: company,
      website: `https://company${n}.example.com`,
      location: CITY[n % CITY.length],
      linkedin_profile: `https://linkedin.com/in/${first.toLowerCase()}-${last.toLowerCase()}-${n}`,
      company_url: `https://company${n}.example.com`,
      custom_fields: { job_title: TITLE[n % TITLE.length], industry: "Technology" },
      is_unsubscribed: false,
      unsubscribed_client_id_map: null
    }
  }
}

const pageBody = (campaign, offsets, offset, limit, gtMs) => {
  const data = []
  let total = campaign.leads
  if (gtMs === undefined) {
    for (let n = offset; n < Math.min(campaign.leads, offset + limit); n++) {
      data.push(row(campaign.index, n, offsets + n))
    }
  } else {
    // created_at = START + index·day + n s, so the first n after gt is computable
    const base = START_MS + campaign.index * 86_400_000
    const from = Math.max(0, Math.floor((gtMs - base) / 1000) + 1)
    total = Math.max(0, campaign.leads - from)
    for (let n = from + offset; n < Math.min(campaign.leads, from + offset + limit); n++) {
      data.push(row(campaign.index, n, offsets + n))
    }
  }
  return Buffer.from(JSON.stringify({ total_leads: String(total), offset, limit, data }))
}

// ----- campaign statistics (bench part e) -----------------------------------------------------
// One row per email sent, in the live shape (string total and counts), with a ~2 kB email body.
const EMAIL_BODY = `<html><body><p>Hi {{first_name}},</p>${
  "<p>We help teams like yours send better cold email. Would a short call next week make sense?</p>".repeat(20)
}</body></html>`

/** Statistics row `n` (0-based) of a campaign; sent_time strictly increasing. */
const statisticsRow = (campaignIndex, n, globalIndex) => {
  const sentMs = START_MS + campaignIndex * 86_400_000 + n * 60_000
  const opened = n % 3 !== 0
  return {
    stats_id: 48_213_000 + globalIndex,
    lead_name: `${FIRST[n % FIRST.length]} ${LAST[(n >> 3) % LAST.length]}`,
    lead_email: `${FIRST[n % FIRST.length].toLowerCase()}.${n}@c${campaignIndex}.example.com`,
    lead_category: n % 11 === 0 ? "Interested" : null,
    sequence_number: String((n % 3) + 1),
    email_campaign_seq_id: 7_340_000 + campaignIndex * 10 + (n % 3) + 1,
    seq_variant_id: n % 3 === 0 ? 912_000 + (n % 2) : null,
    email_subject: "Quick question",
    email_message: EMAIL_BODY,
    sent_time: new Date(sentMs).toISOString(),
    open_time: opened ? new Date(sentMs + 3_600_000).toISOString() : null,
    click_time: null,
    reply_time: n % 7 === 0 ? new Date(sentMs + 7_200_000).toISOString() : null,
    open_count: opened ? "2" : "0",
    click_count: "0",
    is_unsubscribed: false,
    is_bounced: false
  }
}

const statisticsBody = (campaign, offset, limit) => {
  const data = []
  for (let n = offset; n < Math.min(campaign.statistics, offset + limit); n++) {
    data.push(statisticsRow(campaign.index, n, campaign.statisticsOffset + n))
  }
  return Buffer.from(JSON.stringify({ total_stats: String(campaign.statistics), offset, limit, data }))
}

const campaignJson = (campaign) => ({
  id: campaign.id,
  user_id: 196026,
  created_at: "2025-11-25T10:43:46.826Z",
  updated_at: "2025-11-25T14:02:21.776Z",
  status: campaign.status,
  name: `Bench campaign ${campaign.index}`,
  track_settings: ["DONT_EMAIL_OPEN"],
  scheduler_cron_value: { tz: "America/New_York", days: [1, 2, 3, 4, 5], endHour: "19:00", startHour: "09:00" },
  min_time_btwn_emails: 24,
  max_leads_per_day: 100,
  stop_lead_settings: "REPLY_TO_AN_EMAIL",
  schedule_start_time: null,
  enable_ai_esp_matching: true,
  send_as_plain_text: false,
  follow_up_percentage: 20,
  unsubscribe_text: "",
  parent_campaign_id: null,
  client_id: null,
  tags: []
})

/**
 * Starts the server. Options: campaigns, leads (per campaign) or campaignSpec [{id, leads, status?}]
 * (status ACTIVE unless given),
 * pageSize (pre-built, default 100), statistics (emails sent per campaign for GET
 * /campaigns/:id/statistics, pre-built in pages of 100; default 0), latencyMs (default 0), rateLimit (req/s, default none),
 * port (default 0 = any). Resolves to { port, url, stats(), reset(), close() }.
 */
export const startServer = async (options = {}) => {
  const pageSize = options.pageSize ?? 100
  const latencyMs = options.latencyMs ?? 0
  const rateLimit = options.rateLimit
  const campaigns = new Map()
  let globalOffset = 0
  let statisticsOffset = 0
  const started = Date.now()
  for (const [index, spec] of campaignsOf(options).entries()) {
    const statistics = options.statistics ?? 0
    const campaign = {
      id: spec.id,
      leads: spec.leads,
      status: spec.status ?? "ACTIVE",
      index,
      offsets: globalOffset,
      pages: new Map(),
      statistics,
      statisticsOffset,
      statisticsPages: new Map()
    }
    globalOffset += spec.leads
    statisticsOffset += statistics
    for (let offset = 0; offset < statistics || offset === 0; offset += 100) {
      campaign.statisticsPages.set(offset, statisticsBody(campaign, offset, 100))
    }
    // every page the connector asks for with `limit=pageSize`, plus the empty page after the last
    for (let offset = 0; offset <= spec.leads; offset += pageSize) {
      campaign.pages.set(offset, pageBody(campaign, campaign.offsets, offset, pageSize))
    }
    campaigns.set(String(spec.id), campaign)
  }
  const campaignsBody = Buffer.from(JSON.stringify([...campaigns.values()].map(campaignJson)))
  const categoriesBody = Buffer.from(JSON.stringify(CATEGORIES))
  const unauthorized = Buffer.from(JSON.stringify({ message: "Invalid API Key" }))
  const notFound = Buffer.from(JSON.stringify({ error: "Resource not found" }))
  const tooMany = Buffer.from(
    JSON.stringify({
      error: {
        code: "RATE_LIMIT_EXCEEDED",
        message: "Too many requests. Please retry after 1 seconds.",
        retry_after: 1
      }
    })
  )
  const buildMs = Date.now() - started

  const stats = {
    requests: 0,
    campaignsRequests: 0,
    leadsRequests: 0,
    statisticsRequests: 0,
    ok: 0,
    status429: 0,
    status401: 0,
    status404: 0,
    onDemandPages: 0,
    bytes: 0,
    inFlight: 0,
    maxInFlight: 0,
    firstAt: 0,
    lastEndAt: 0,
    buildMs,
    arrivals: [] // [ms since firstAt, status] of the first 10,000 requests, to see how they are spaced
  }
  const window = [] // arrival times of accepted requests in the last second
  let windowHead = 0

  const send = (res, status, body, headers) => {
    if (stats.arrivals.length < 10_000) stats.arrivals.push([Date.now() - stats.firstAt, status])
    const finish = () => {
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": body.length,
        ...headers
      })
      res.end(body)
      stats.bytes += body.length
      stats.inFlight--
      stats.lastEndAt = Date.now()
    }
    if (latencyMs > 0) setTimeout(finish, latencyMs)
    else finish()
  }

  const handle = (req, res) => {
    const now = Date.now()
    stats.requests++
    if (stats.firstAt === 0) stats.firstAt = now
    stats.inFlight++
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const path = q < 0 ? url : url.slice(0, q)
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1))
    if (query.get("api_key") !== API_KEY) {
      stats.status401++
      return send(res, 401, unauthorized)
    }
    if (rateLimit !== undefined) {
      while (windowHead < window.length && window[windowHead] <= now - 1000) windowHead++
      if (windowHead > 4096) {
        window.splice(0, windowHead)
        windowHead = 0
      }
      if (window.length - windowHead >= rateLimit) {
        stats.status429++
        return send(res, 429, tooMany, { "retry-after": "1" })
      }
      window.push(now)
    }
    const parts = path.split("/") // ["", "api", "v1", "campaigns", id?, "leads"?]
    if (path === "/api/v1/leads/fetch-categories") {
      stats.ok++
      return send(res, 200, categoriesBody)
    }
    if (parts[1] !== "api" || parts[2] !== "v1" || parts[3] !== "campaigns") {
      stats.status404++
      return send(res, 404, notFound)
    }
    if (parts.length === 4 || (parts.length === 5 && parts[4] === "")) {
      stats.campaignsRequests++
      stats.ok++
      return send(res, 200, campaignsBody)
    }
    const campaign = campaigns.get(parts[4])
    if (campaign !== undefined && parts[5] === "statistics" && parts.length === 6) {
      stats.statisticsRequests++
      stats.ok++
      const offset = Math.max(0, Number(query.get("offset") ?? 0) || 0)
      const limit = Math.max(1, Math.min(100, Number(query.get("limit") ?? 100) || 100))
      let body = limit === 100 ? campaign.statisticsPages.get(offset) : undefined
      if (body === undefined) {
        stats.onDemandPages++
        body = statisticsBody(campaign, offset, limit)
      }
      return send(res, 200, body)
    }
    if (campaign === undefined || parts[5] !== "leads" || parts.length !== 6) {
      stats.status404++
      return send(res, 404, notFound)
    }
    stats.leadsRequests++
    stats.ok++
    const offset = Math.max(0, Number(query.get("offset") ?? 0) || 0)
    const limit = Math.max(1, Math.min(100, Number(query.get("limit") ?? 100) || 100))
    const gt = query.get("created_at_gt")
    const gtMs = gt === null ? undefined : Date.parse(gt)
    let body = gtMs === undefined && limit === pageSize ? campaign.pages.get(offset) : undefined
    if (body === undefined) {
      stats.onDemandPages++
      body = pageBody(campaign, campaign.offsets, offset, limit, Number.isNaN(gtMs) ? undefined : gtMs)
    }
    return send(res, 200, body)
  }

  const server = http.createServer({ keepAliveTimeout: 60_000 }, handle)
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 65_000
  await new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", resolve)
  })
  const port = server.address().port
  return {
    port,
    url: `http://127.0.0.1:${port}/api/v1`,
    totalLeads: globalOffset,
    totalStatistics: statisticsOffset,
    campaignIds: [...campaigns.values()].map((c) => c.id),
    stats: () => ({ ...stats, arrivals: [...stats.arrivals] }),
    reset: () => {
      for (const key of Object.keys(stats)) if (key !== "buildMs") stats[key] = key === "arrivals" ? [] : 0
      window.length = 0
      windowHead = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections?.()
      })
  }
}

const argValue = (args, name) => {
  const index = args.indexOf(name)
  return index < 0 ? undefined : args[index + 1]
}

// Run as a process: forked (options in BENCH_SERVER, IPC) or by hand (flags).
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const options = process.env.BENCH_SERVER
    ? JSON.parse(process.env.BENCH_SERVER)
    : {
      campaigns: Number(argValue(args, "--campaigns") ?? 1),
      leads: Number(argValue(args, "--leads") ?? 100),
      latencyMs: Number(argValue(args, "--latency-ms") ?? 0),
      rateLimit: argValue(args, "--rate-limit") === undefined ? undefined : Number(argValue(args, "--rate-limit")),
      port: Number(argValue(args, "--port") ?? 0)
    }
  const server = await startServer(options)
  const stop = async () => {
    await server.close()
    process.exit(0)
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
  if (process.send) {
    process.on("message", (message) => {
      if (message?.type === "stats") process.send({ type: "stats", stats: server.stats() })
      else if (message?.type === "reset") {
        server.reset()
        process.send({ type: "reset" })
      } else if (message?.type === "close") void stop()
    })
    process.on("disconnect", () => void stop()) // the runner died: do not linger
    process.send({
      type: "ready",
      port: server.port,
      url: server.url,
      totalLeads: server.totalLeads,
      campaignIds: server.campaignIds
    })
  } else {
    console.log(
      `SmartLead bench server on ${server.url} (api_key=${API_KEY}), campaigns ${
        server.campaignIds.join(",")
      }, ${server.totalLeads} leads`
    )
  }
}
