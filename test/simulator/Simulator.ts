/**
 * A simulator of the SmartLead REST API (base path /api/v1) on loopback.
 * node:http only — no framework, no Effect.
 */
import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import {
  CAMPAIGN_ID_BASE,
  CATEGORIES,
  DEFAULT_BASE_TIME,
  EMAIL_STATUS_VALUES,
  hash32,
  makeCampaign,
  makeLeadFactory,
  makeRng,
  makeTimeline,
  toDocumentedLead,
  toIso,
  toRealRow
} from "./data.js"
import type { Order, Rng, Shape, SimCampaign, SimLead } from "./data.js"
import type { HostileOptions, Mutations } from "./Mutations.js"
import { latestActivity, makeHostile } from "./Mutations.js"

export { CATEGORIES, EMAIL_STATUS_VALUES, toDocumentedLead, toRealRow } from "./data.js"
export type { Order, Shape, SimCampaign, SimCategory, SimLead } from "./data.js"
export type {
  HostileOptions,
  LeadsPageRequest,
  LimitEcho,
  Mutations,
  TimestampFormat,
  TotalsMode
} from "./Mutations.js"
import { campaignCount as agencyCampaignCount, ISSUE_STATUSES, makeAgency } from "./Agency.js"
import type { Agency, AgencyOptions } from "./Agency.js"
import { engagementRoute, makeEngagement } from "./Engagement.js"
import type { Engagement, EngagementOptions, EngagementRoute } from "./Engagement.js"

export { CAMPAIGN_STATUSES, ISSUE_STATUSES } from "./Agency.js"
export type {
  Agency,
  AgencyEngagement,
  AgencyHour,
  AgencyHourOptions,
  AgencyOptions,
  AgencyReply,
  CampaignStatus
} from "./Agency.js"

export { SENT_TIME_START_DATE, STATISTICS_EMAIL_STATUS } from "./Engagement.js"
export type {
  Engagement,
  EngagementEndpoint,
  EngagementOptions,
  SimEmailAccount,
  SimSend,
  SimStep,
  SimVariant
} from "./Engagement.js"

export const DEFAULT_API_KEY = "sim-key-7f3a9c1e5b2d"
export const API_PREFIX = "/api/v1"

export type FaultKind =
  | { type: "status"; status: number; body?: string; headers?: Record<string, string> }
  | { type: "html"; status: number }
  | { type: "reset" }
  | { type: "hang" }
  | { type: "truncated" }
  | { type: "emptyObject" }
  | { type: "emptyBody" }
  | { type: "rateLimited"; retryAfterSeconds?: number; header?: boolean; bodyRetryAfter?: boolean }

export interface Fault {
  /**
   * All given criteria must hold. `path`: a string matches when it equals the pathname, or the
   * pathname without the `/api/v1` prefix (so "/campaigns" and "/api/v1/campaigns" are the same);
   * a RegExp is tested against the full pathname. `campaignId` matches /campaigns/:id and
   * /campaigns/:id/leads. `offset` matches leads requests only (missing offset counts as 0).
   */
  match?: { path?: string | RegExp; campaignId?: number; offset?: number }
  /** How many matching requests it affects (default 1; Infinity allowed). */
  times?: number
  kind: FaultKind
}

export interface RequestLogEntry {
  /** Date.now() at arrival */
  time: number
  method: string
  /** pathname, e.g. "/api/v1/campaigns/2710262/leads" */
  path: string
  /** all query parameters (including api_key) */
  query: Record<string, string>
  /** status sent; 0 for "reset" and "hang" */
  status: number
  campaignId?: number
  /** fault applied, e.g. "status:500", "html:502", "reset", "hang", "truncated", "rateLimited", "rateLimit" (server-side limit) */
  fault?: string
  userAgent?: string
}

export interface SimulatorOptions {
  /** number of campaigns (default 3, or the length of `leadsPerCampaign` when it is an array) */
  campaigns?: number
  /** leads per campaign (default 25); an array gives a count per campaign (missing entries = 0) */
  leadsPerCampaign?: number | ReadonlyArray<number>
  shape?: Shape
  order?: Order
  apiKey?: string
  seed?: number
  /** default 2025-01-01T00:00:00.000Z */
  baseTime?: string
  latencyMs?: number
  ignoreCreatedAtFilter?: boolean
  /** The server ignores `event_time_gt` (an API that does not support the activity filter). */
  ignoreEventTimeFilter?: boolean
  /** Server-side limit over a sliding 1 s window: over it → 429 (Retry-After header when retryAfterSeconds set). */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number }
  /** Fixed window: X-RateLimit-Limit / -Remaining / -Reset (seconds until reset) on every authenticated response, 429 when exhausted. */
  rateLimitHeaders?: { limitPerWindow: number; windowSeconds: number }
  /** Random transient faults on leads requests (deterministic PRNG). */
  faultRate?: { probability: number; kinds: ReadonlyArray<FaultKind>; seed?: number }
  /** Every Nth generated lead (1-based) gets `extra` fields the API "adds" (default 0 = none). */
  extraFieldsEvery?: number
  /** Port to listen on (default 0 = ephemeral). Always 127.0.0.1. */
  port?: number
  /** The mutation ("hostile") mode: see Mutations.ts. */
  hostile?: HostileOptions
  /** Statistics, analytics, sequences and email accounts (see Engagement.ts). */
  engagement?: EngagementOptions
  /**
   * The agency shape (Agency.ts): campaigns by status, their leads and emails sent, relative to
   * `agency.now()`; `campaigns`, `leadsPerCampaign` and `engagement.sendsPerCampaign`/`emailAccounts`
   * are then the agency's.
   */
  agency?: AgencyOptions
}

/** The endpoints requests are counted by (`requestCounts`). */
export type Endpoint =
  | "campaigns"
  | "campaign"
  | "lead_categories"
  | "leads"
  | "statistics"
  | "analytics"
  | "sequences"
  | "email_accounts"
  | "other"

export const ENDPOINTS: ReadonlyArray<Endpoint> = [
  "campaigns",
  "campaign",
  "lead_categories",
  "leads",
  "statistics",
  "analytics",
  "sequences",
  "email_accounts",
  "other"
]

/** The endpoint of a request path (`/api/v1/campaigns/1/leads` → `leads`). */
export const endpointOf = (path: string): Endpoint => {
  const route = parseRoute(path)
  switch (route.kind) {
    case "campaigns":
    case "campaign":
    case "leads":
      return route.kind
    case "categories":
      return "lead_categories"
    case "engagement":
      return route.engagement.endpoint
    case "unknown":
      return "other"
  }
}

/** Requests per endpoint (every endpoint present, 0 when none), and their total. */
export const countRequests = (
  entries: ReadonlyArray<Pick<RequestLogEntry, "path">>
): Record<Endpoint, number> & { total: number } => {
  const counts = Object.fromEntries(ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<Endpoint, number>
  for (const entry of entries) counts[endpointOf(entry.path)]++
  return { ...counts, total: entries.length }
}

export interface Simulator {
  /** "http://127.0.0.1:PORT/api/v1" */
  readonly url: string
  readonly port: number
  readonly apiKey: string
  readonly campaignIds: ReadonlyArray<number>
  readonly requests: ReadonlyArray<RequestLogEntry>
  /** Campaign objects as served by GET /campaigns. */
  campaigns(): ReadonlyArray<SimCampaign>
  /**
   * Canonical data, sorted ascending by (created_at, id), all campaigns (by campaign id) when
   * omitted. The objects are the live ones: mutating e.g. `extra` or `status` shows in responses.
   */
  leads(campaignId?: number): ReadonlyArray<SimLead>
  /** New leads, each newer than every existing lead (or all exactly at `createdAt`). */
  addLeads(campaignId: number, count: number, createdAt?: string): ReadonlyArray<SimLead>
  /** Returns the new campaign's id. */
  addCampaign(leadCount: number): number
  setShape(shape: Shape): void
  setOrder(order: Order): void
  /** Shape actually served for a campaign ("real" or "documented"; resolves "mixed"). */
  shapeOf(campaignId: number): "real" | "documented"
  /** Queued; consumed as matching requests arrive (first matching fault wins). */
  injectFault(fault: Fault): void
  clearFaults(): void
  clearRequests(): void
  /** Requests since the start or the last `clearRequests()`, per endpoint (see `countRequests`). */
  requestCounts(): Record<Endpoint, number> & { total: number }
  /** The agency shape's handle (Agency.ts); throws unless the simulator was started with `agency`. */
  readonly agency: Agency
  /** Closes the server and destroys all sockets, including hung ones. */
  close(): Promise<void>
  /** The mutation mode's handle (Mutations.ts): delete, insert, re-categorise, misreport, … */
  readonly mutations: Mutations
  /** Emails sent, sequences and email accounts: their data, and how to change it between syncs. */
  readonly engagement: Engagement
}

// ---------------------------------------------------------------------------

interface SimResponse {
  status: number
  headers: Record<string, string>
  body: string
}

type Action =
  | { type: "respond"; response: SimResponse; truncate: boolean }
  | { type: "reset" }
  | { type: "hang" }

type Route =
  | { kind: "campaigns" }
  | { kind: "campaign"; rawId: string; campaignId?: number }
  | { kind: "leads"; rawId: string; campaignId?: number }
  | { kind: "categories" }
  | { kind: "engagement"; engagement: EngagementRoute; campaignId?: number }
  | { kind: "unknown" }

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" }

const json = (status: number, value: unknown, headers?: Record<string, string>): SimResponse => ({
  status,
  headers: headers === undefined ? { ...JSON_HEADERS } : { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(value)
})

const STATUS_BODIES: Record<number, unknown> = {
  400: { error: "Bad Request" },
  401: { message: "Invalid API Key" },
  403: { error: "Forbidden" },
  404: { error: "Resource not found" },
  422: { error: "Invalid parameters provided" },
  429: {
    error: {
      code: "RATE_LIMIT_EXCEEDED",
      message: "Too many requests. Please retry after 30 seconds.",
      retry_after: 30
    }
  }
}

const htmlPage = (status: number): string => {
  const title = `${status} ${http.STATUS_CODES[status] ?? "Error"}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`
}

const rateLimitBody = (retryAfter: number | undefined) =>
  retryAfter === undefined
    ? { error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests. Please retry later." } }
    : {
      error: {
        code: "RATE_LIMIT_EXCEEDED",
        message: `Too many requests. Please retry after ${retryAfter} seconds.`,
        retry_after: retryAfter
      }
    }

const faultLabel = (k: FaultKind): string => k.type === "status" || k.type === "html" ? `${k.type}:${k.status}` : k.type

const NON_NEG_INT = /^\d+$/

const matchRegExp = (re: RegExp, s: string): boolean => {
  re.lastIndex = 0
  return re.test(s)
}

const parseRoute = (pathname: string): Route => {
  const p = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname
  if (!p.startsWith(API_PREFIX + "/")) return { kind: "unknown" }
  const parts = p.slice(API_PREFIX.length + 1).split("/")
  const idOf = (raw: string): { campaignId?: number } => {
    if (!NON_NEG_INT.test(raw)) return {}
    const n = Number(raw)
    return Number.isSafeInteger(n) ? { campaignId: n } : {}
  }
  if (parts[0] === "campaigns") {
    if (parts.length === 1) return { kind: "campaigns" }
    const rawId = parts[1] ?? ""
    if (parts.length === 2) return { kind: "campaign", rawId, ...idOf(rawId) }
    if (parts.length === 3 && parts[2] === "leads") return { kind: "leads", rawId, ...idOf(rawId) }
  }
  if (parts.length === 2 && parts[0] === "leads" && parts[1] === "fetch-categories") return { kind: "categories" }
  const engagement = engagementRoute(parts)
  if (engagement !== undefined) {
    return "campaignId" in engagement && engagement.campaignId !== undefined
      ? { kind: "engagement", engagement, campaignId: engagement.campaignId }
      : { kind: "engagement", engagement }
  }
  return { kind: "unknown" }
}

// ---------------------------------------------------------------------------

export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const seed = options.seed ?? 1
  const apiKey = options.apiKey ?? DEFAULT_API_KEY
  const baseMs = Date.parse(options.baseTime ?? DEFAULT_BASE_TIME)
  if (Number.isNaN(baseMs)) throw new Error(`invalid baseTime: ${String(options.baseTime)}`)
  const latencyMs = options.latencyMs ?? 0
  let ignoreCreatedAtFilter = options.ignoreCreatedAtFilter ?? false
  let ignoreEventTimeFilter = options.ignoreEventTimeFilter ?? false
  const extraEvery = options.extraFieldsEvery ?? 0
  let shape: Shape = options.shape ?? "real"
  let order: Order = options.order ?? "ascending"

  // ----- data -----------------------------------------------------------------
  const campaignRng: Rng = makeRng(seed)
  const timelineRng: Rng = makeRng((seed ^ 0x7177e) >>> 0)
  const factory = makeLeadFactory(seed)
  const campaigns: Array<SimCampaign> = []
  const campaignIndex = new Map<number, number>()
  const leadsByCampaign = new Map<number, Array<SimLead>>()
  const ascendingCache = new Map<number, Array<SimLead>>()
  const orderedCache = new Map<number, Array<SimLead>>()
  const msCache = new Map<string, number>()
  let maxCreatedMs = Number.NEGATIVE_INFINITY
  let started = false

  const msOf = (iso: string): number => {
    let v = msCache.get(iso)
    if (v === undefined) {
      v = Date.parse(iso)
      if (msCache.size > 200_000) msCache.clear()
      msCache.set(iso, v)
    }
    return v
  }

  /** created_at instants aligned with an (immutable, cached) ordered array; strings kept to detect mutation */
  const instantIndexes = new WeakMap<Array<SimLead>, { strs: Array<string>; ms: Float64Array }>()
  const instantIndex = (arr: Array<SimLead>) => {
    let v = instantIndexes.get(arr)
    if (v === undefined) {
      v = { strs: arr.map((l) => l.createdAt), ms: Float64Array.from(arr, (l) => msOf(l.createdAt)) }
      instantIndexes.set(arr, v)
    }
    return v
  }

  const pushLead = (campaignId: number, createdAtMs: number): SimLead => {
    const lead = factory.make(campaignId, createdAtMs)
    if (extraEvery > 0 && factory.count % extraEvery === 0) {
      lead.extra = {
        email_lead_id: lead.id + 1,
        lead_score: factory.count % 100,
        sim_note: "unknown field added by the API"
      }
    }
    leadsByCampaign.get(campaignId)?.push(lead)
    if (createdAtMs > maxCreatedMs) maxCreatedMs = createdAtMs
    return lead
  }

  const invalidate = (campaignId?: number) => {
    if (campaignId === undefined) {
      ascendingCache.clear()
      orderedCache.clear()
    } else {
      ascendingCache.delete(campaignId)
      orderedCache.delete(campaignId)
    }
  }

  const createCampaign = (leadCount: number): number => {
    const index = campaigns.length
    const id = index === 0 ? CAMPAIGN_ID_BASE : (campaigns[campaigns.length - 1]?.id ?? CAMPAIGN_ID_BASE) + 1
    campaigns.push(makeCampaign(campaignRng, id, index, baseMs))
    campaignIndex.set(id, index)
    leadsByCampaign.set(id, [])
    // each campaign's timeline starts at baseTime + index hours; campaigns added later start after all existing leads
    const startMs = Number.isFinite(maxCreatedMs) && index > 0 && started ? maxCreatedMs : baseMs + index * 3_600_000
    for (const t of makeTimeline(timelineRng, leadCount, startMs)) pushLead(id, t)
    return id
  }

  const lpc = options.agency !== undefined ? 0 : (options.leadsPerCampaign ?? 25)
  const campaignCount = options.agency !== undefined
    ? agencyCampaignCount(options.agency.statuses ?? ISSUE_STATUSES)
    : (options.campaigns ?? (typeof lpc === "number" ? 3 : lpc.length))
  for (let i = 0; i < campaignCount; i++) {
    createCampaign(typeof lpc === "number" ? lpc : (lpc[i] ?? 0))
  }
  started = true

  const ascending = (campaignId: number): Array<SimLead> => {
    let a = ascendingCache.get(campaignId)
    if (a === undefined) {
      a = [...(leadsByCampaign.get(campaignId) ?? [])]
      a.sort((x, y) => msOf(x.createdAt) - msOf(y.createdAt) || x.id - y.id)
      ascendingCache.set(campaignId, a)
    }
    return a
  }

  const ordered = (campaignId: number): Array<SimLead> => {
    if (order === "ascending") return ascending(campaignId)
    let a = orderedCache.get(campaignId)
    if (a === undefined) {
      a = [...ascending(campaignId)]
      if (order === "descending") a.reverse()
      else a.sort((x, y) => hash32(seed, x.id) - hash32(seed, y.id) || x.id - y.id)
      orderedCache.set(campaignId, a)
    }
    return a
  }

  const addLeads = (campaignId: number, count: number, createdAt?: string): ReadonlyArray<SimLead> => {
    if (!campaignIndex.has(campaignId)) throw new Error(`unknown campaign ${campaignId}`)
    let times: Array<number>
    if (createdAt !== undefined) {
      const ms = Date.parse(createdAt)
      if (Number.isNaN(ms)) throw new Error(`invalid createdAt: ${createdAt}`)
      times = Array.from({ length: count }, () => ms)
    } else {
      let t = Number.isFinite(maxCreatedMs) ? maxCreatedMs : baseMs
      times = Array.from({ length: count }, () => (t += timelineRng.int(1, 60) * 1000 + timelineRng.int(0, 999)))
    }
    const added = times.map((t) => pushLead(campaignId, t))
    invalidate(campaignId)
    return added
  }

  const shapeOf = (campaignId: number): "real" | "documented" => {
    if (shape !== "mixed") return shape
    return (campaignIndex.get(campaignId) ?? 0) % 2 === 0 ? "real" : "documented"
  }

  // ----- mutation mode (Mutations.ts) --------------------------------------------------
  const hostile = makeHostile(
    {
      campaigns: () => campaigns,
      rows: (campaignId) => {
        const rows = leadsByCampaign.get(campaignId)
        if (rows === undefined) throw new Error(`unknown campaign ${campaignId}`)
        return rows
      },
      served: (campaignId) => ordered(campaignId),
      addLeads: (campaignId, count, createdAt) => addLeads(campaignId, count, createdAt),
      invalidate: (campaignId) => invalidate(campaignId),
      setIgnoreCreatedAtFilter: (ignore) => {
        ignoreCreatedAtFilter = ignore
      },
      setIgnoreEventTimeFilter: (ignore) => {
        ignoreEventTimeFilter = ignore
      }
    },
    options.hostile
  )
  // ----- engagement (statistics, analytics, sequences, email accounts; Engagement.ts) ---------
  const engagementHandler = makeEngagement({
    seed,
    baseMs,
    options: options.agency === undefined
      ? (options.engagement ?? {})
      : { ...options.engagement, sendsPerCampaign: 0, emailAccounts: options.agency.mailboxes ?? 150 },
    campaigns: () => campaigns,
    leads: (campaignId) => ascending(campaignId)
  })
  // ----- the agency shape (Agency.ts) ---------------------------------------------------------
  const agency: Agency | undefined = options.agency === undefined ? undefined : makeAgency(
    {
      campaigns: () => campaigns,
      leads: (campaignId) => ascending(campaignId),
      addLeadsAt: (campaignId, times) => {
        const added = times.map((t) => pushLead(campaignId, t))
        invalidate(campaignId)
        return added
      },
      engagement: engagementHandler.engagement
    },
    options.agency,
    seed
  )

  // ----- faults & rate limits ---------------------------------------------------------
  const faults: Array<{ fault: Fault; remaining: number }> = []
  const faultRng: Rng | undefined = options.faultRate === undefined
    ? undefined
    : makeRng(options.faultRate.seed ?? (seed ^ 0xfa17) >>> 0)

  const offsetOf = (query: Record<string, string>): number | undefined => {
    const raw = query["offset"]
    if (raw === undefined) return 0
    return NON_NEG_INT.test(raw) ? Number(raw) : undefined
  }

  const takeFault = (pathname: string, route: Route, query: Record<string, string>): FaultKind | undefined => {
    for (let i = 0; i < faults.length; i++) {
      const entry = faults[i]
      if (entry === undefined) continue
      const m = entry.fault.match
      if (m !== undefined) {
        if (m.path !== undefined) {
          const ok = typeof m.path === "string"
            ? pathname === m.path || pathname === API_PREFIX + m.path
            : matchRegExp(m.path, pathname)
          if (!ok) continue
        }
        if (m.campaignId !== undefined) {
          const cid = route.kind === "campaign" || route.kind === "leads" || route.kind === "engagement"
            ? route.campaignId
            : undefined
          if (cid !== m.campaignId) continue
        }
        if (m.offset !== undefined) {
          if ((route.kind !== "leads" && route.kind !== "engagement") || offsetOf(query) !== m.offset) continue
        }
      }
      entry.remaining--
      if (entry.remaining <= 0) faults.splice(i, 1)
      return entry.fault.kind
    }
    if (faultRng !== undefined && options.faultRate !== undefined && route.kind === "leads") {
      const { probability, kinds } = options.faultRate
      if (kinds.length > 0 && faultRng.next() < probability) return faultRng.pick(kinds)
    }
    return undefined
  }

  const slidingWindow: Array<number> = []
  let fixedWindowStart = 0
  let fixedWindowCount = 0

  // ----- handlers ---------------------------------------------------------------------
  const unprocessable = (message: string) => json(422, { error: message })

  const parseIntParam = (
    query: Record<string, string>,
    name: string,
    opts: { required: boolean; min: number; max?: number; fallback: number }
  ): number | SimResponse => {
    const raw = query[name]
    if (raw === undefined || raw === "") {
      return opts.required ? unprocessable(`${name} is required`) : opts.fallback
    }
    if (!/^-?\d+$/.test(raw)) return unprocessable(`${name} must be an integer`)
    const n = Number(raw)
    if (n < opts.min) return unprocessable(`${name} must be greater than or equal to ${opts.min}`)
    if (opts.max !== undefined && n > opts.max) {
      return unprocessable(`${name} must be less than or equal to ${opts.max}`)
    }
    return n
  }

  const parseInstant = (query: Record<string, string>, name: string): number | undefined | SimResponse => {
    const raw = query[name]
    if (raw === undefined || raw === "") return undefined
    const ms = Date.parse(raw)
    return Number.isNaN(ms) ? unprocessable(`${name} must be a valid ISO 8601 date`) : ms
  }

  const handleLeads = (campaignId: number | undefined, query: Record<string, string>): SimResponse => {
    if (campaignId === undefined || !campaignIndex.has(campaignId)) {
      return json(404, { error: "Campaign not found - Invalid campaign_id." })
    }
    const limit = parseIntParam(query, "limit", { required: true, min: 1, max: 100, fallback: 0 })
    if (typeof limit !== "number") return limit
    const offset = parseIntParam(query, "offset", { required: false, min: 0, fallback: 0 })
    if (typeof offset !== "number") return offset
    hostile.beforeLeadsPage(campaignId, offset, limit, query)

    const createdGt = parseInstant(query, "created_at_gt")
    if (createdGt !== undefined && typeof createdGt !== "number") return createdGt
    const lastSentGt = parseInstant(query, "last_sent_time_gt")
    if (lastSentGt !== undefined && typeof lastSentGt !== "number") return lastSentGt
    const askedEventGt = parseInstant(query, "event_time_gt")
    if (askedEventGt !== undefined && typeof askedEventGt !== "number") return askedEventGt
    const eventGt = ignoreEventTimeFilter ? undefined : askedEventGt
    const status = query["status"] === "" ? undefined : query["status"]
    const rawCategory = query["lead_category_id"]
    let categoryId: number | undefined
    if (rawCategory !== undefined && rawCategory !== "") {
      if (!NON_NEG_INT.test(rawCategory)) return unprocessable("lead_category_id must be an integer")
      categoryId = Number(rawCategory)
    }
    const emailStatus = query["emailStatus"] === "" ? undefined : query["emailStatus"]
    if (emailStatus !== undefined && !EMAIL_STATUS_VALUES.includes(emailStatus)) {
      return unprocessable(`emailStatus must be one of [${EMAIL_STATUS_VALUES.join(", ")}]`)
    }

    const createdFilter = ignoreCreatedAtFilter ? undefined : createdGt
    const all = ordered(campaignId)
    const anyFilter = createdFilter !== undefined ||
      lastSentGt !== undefined ||
      eventGt !== undefined ||
      status !== undefined ||
      categoryId !== undefined ||
      emailStatus !== undefined
    let filtered: Array<SimLead> = all
    if (anyFilter) {
      filtered = []
      const idx = createdFilter === undefined ? undefined : instantIndex(all)
      for (let i = 0; i < all.length; i++) {
        const l = all[i] as SimLead
        if (createdFilter !== undefined && idx !== undefined) {
          const c = l.createdAt
          const ms = c === idx.strs[i] ? (idx.ms[i] as number) : msOf(c)
          if (!(ms > createdFilter)) continue
        }
        if (lastSentGt !== undefined && (l.lastSentTime === null || !(msOf(l.lastSentTime) > lastSentGt))) continue
        if (eventGt !== undefined) {
          const activity = latestActivity(l)
          if (activity === null || !(msOf(activity) > eventGt)) continue
        }
        if (status !== undefined && l.status !== status) continue
        if (categoryId !== undefined && l.categoryId !== categoryId) continue
        if (emailStatus !== undefined) {
          const ok = emailStatus === "not_replied"
            ? l.emailStats["is_replied"] !== true
            : l.emailStats[emailStatus] === true
          if (!ok) continue
        }
        filtered.push(l)
      }
    }
    // mutation mode: capped limit, echoed limit, reported total, served created_at text
    const applied = hostile.appliedLimit(limit)
    const page = filtered.slice(offset, offset + applied)
    const total = hostile.total(filtered.length, campaignId)
    const echoed = hostile.echoedLimit(limit, applied)
    const limitField = echoed === undefined ? {} : { limit: echoed }
    const render = (toRow: (l: SimLead) => Record<string, unknown>) =>
      page.map((l) => {
        const row = toRow(l)
        const text = hostile.createdAtText(l)
        if (text !== l.createdAt) row["created_at"] = text
        return row
      })
    if (shapeOf(campaignId) === "real") {
      return json(200, { total_leads: String(total), offset, ...limitField, data: render(toRealRow) })
    }
    return json(200, { total, leads: render(toDocumentedLead), offset, ...limitField })
  }

  const route200 = (route: Route, query: Record<string, string>): SimResponse => {
    switch (route.kind) {
      case "campaigns":
        return json(200, hostile.listing(campaigns))
      case "campaign": {
        const idx = route.campaignId === undefined ? undefined : campaignIndex.get(route.campaignId)
        const c = idx === undefined ? undefined : campaigns[idx]
        return c === undefined ? json(404, { error: "Campaign not found - Invalid campaign_id." }) : json(200, c)
      }
      case "categories":
        return json(200, CATEGORIES)
      case "leads":
        return handleLeads(route.campaignId, query)
      case "engagement": {
        const answer = engagementHandler.handle(route.engagement, query)
        return json(answer.status, answer.body)
      }
      case "unknown":
        return json(404, { error: "Resource not found" })
    }
  }

  /** auth → rate limits → routing */
  const normal = (route: Route, query: Record<string, string>, entry: RequestLogEntry): SimResponse => {
    if (query["api_key"] !== apiKey) return json(401, { message: "Invalid API Key" })
    const now = Date.now()
    if (options.rateLimit !== undefined) {
      while (slidingWindow.length > 0 && (slidingWindow[0] ?? 0) <= now - 1000) slidingWindow.shift()
      if (slidingWindow.length >= options.rateLimit.perSecond) {
        entry.fault = "rateLimit"
        const ra = options.rateLimit.retryAfterSeconds
        return json(429, rateLimitBody(ra), ra === undefined ? undefined : { "retry-after": String(ra) })
      }
      slidingWindow.push(now)
    }
    let rlHeaders: Record<string, string> | undefined
    if (options.rateLimitHeaders !== undefined) {
      const { limitPerWindow, windowSeconds } = options.rateLimitHeaders
      const windowMs = windowSeconds * 1000
      if (now - fixedWindowStart >= windowMs) {
        fixedWindowStart = now
        fixedWindowCount = 0
      }
      const reset = Math.max(0, Math.ceil((fixedWindowStart + windowMs - now) / 1000))
      if (fixedWindowCount >= limitPerWindow) {
        entry.fault = "rateLimit"
        return json(429, rateLimitBody(reset), {
          "x-ratelimit-limit": String(limitPerWindow),
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(reset)
        })
      }
      fixedWindowCount++
      rlHeaders = {
        "x-ratelimit-limit": String(limitPerWindow),
        "x-ratelimit-remaining": String(limitPerWindow - fixedWindowCount),
        "x-ratelimit-reset": String(reset)
      }
    }
    const r = route200(route, query)
    if (rlHeaders !== undefined) Object.assign(r.headers, rlHeaders)
    return r
  }

  const decide = (route: Route, pathname: string, query: Record<string, string>, entry: RequestLogEntry): Action => {
    const fault = takeFault(pathname, route, query)
    if (fault !== undefined) entry.fault = faultLabel(fault)
    const respond = (response: SimResponse, truncate = false): Action => ({ type: "respond", response, truncate })
    if (fault === undefined) return respond(normal(route, query, entry))
    switch (fault.type) {
      case "reset":
        return { type: "reset" }
      case "hang":
        return { type: "hang" }
      case "status": {
        const body = fault.body ??
          JSON.stringify(STATUS_BODIES[fault.status] ?? { error: http.STATUS_CODES[fault.status] ?? "Error" })
        return respond({ status: fault.status, headers: { ...JSON_HEADERS, ...fault.headers }, body })
      }
      case "html":
        return respond({ status: fault.status, headers: { "content-type": "text/html" }, body: htmlPage(fault.status) })
      case "emptyObject":
        return respond(json(200, {}))
      case "emptyBody":
        return respond({ status: 200, headers: { ...JSON_HEADERS }, body: "" })
      case "truncated":
        return respond(normal(route, query, entry), true)
      case "rateLimited": {
        const ra = fault.retryAfterSeconds ?? 1
        return respond(
          json(
            429,
            rateLimitBody(fault.bodyRetryAfter === false ? undefined : ra),
            fault.header === false ? undefined : { "retry-after": String(ra) }
          )
        )
      }
    }
  }

  // ----- server -----------------------------------------------------------------------
  const requests: Array<RequestLogEntry> = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  const deliver = (req: http.IncomingMessage, res: http.ServerResponse, action: Action) => {
    if (closed || res.destroyed || req.socket.destroyed) return
    switch (action.type) {
      case "reset":
        req.socket.destroy()
        return
      case "hang":
        return
      case "respond": {
        const { status, headers, body } = action.response
        if (action.truncate) {
          res.writeHead(status, headers)
          res.write(body.slice(0, Math.floor(body.length / 2)))
          res.end()
        } else {
          res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) })
          res.end(body)
        }
      }
    }
  }

  const server = http.createServer((req, res) => {
    const time = Date.now()
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const query: Record<string, string> = {}
    for (const [k, v] of url.searchParams) query[k] = v
    const pathname = url.pathname
    const route: Route = req.method === "GET" ? parseRoute(pathname) : { kind: "unknown" }
    const entry: RequestLogEntry = { time, method: req.method ?? "GET", path: pathname, query, status: 0 }
    const campaignId = route.kind === "campaign" || route.kind === "leads" || route.kind === "engagement"
      ? route.campaignId
      : undefined
    if (campaignId !== undefined) entry.campaignId = campaignId
    const ua = req.headers["user-agent"]
    if (ua !== undefined) entry.userAgent = ua
    requests.push(entry)
    req.resume() // ignore any request body

    const action = decide(route, pathname, query, entry)
    if (action.type === "respond") entry.status = action.response.status
    if (latencyMs > 0 && action.type !== "hang") {
      const t = setTimeout(() => {
        timers.delete(t)
        deliver(req, res, action)
      }, latencyMs)
      timers.add(t)
    } else {
      deliver(req, res, action)
    }
  })
  server.keepAliveTimeout = 10_000 // longer than undici's 4 s default, so the client closes idle sockets first
  server.headersTimeout = 15_000
  server.on("connection", (s: Socket) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  server.on("clientError", (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}${API_PREFIX}`
  let closing: Promise<void> | undefined

  return {
    url,
    port,
    apiKey,
    get campaignIds() {
      return campaigns.map((c) => c.id)
    },
    get requests() {
      return requests
    },
    campaigns: () => campaigns,
    engagement: engagementHandler.engagement,
    leads: (campaignId) =>
      campaignId === undefined ? campaigns.flatMap((c) => ascending(c.id)) : [...ascending(campaignId)],
    addLeads,
    addCampaign: (leadCount) => createCampaign(leadCount),
    setShape: (s) => {
      shape = s
    },
    setOrder: (o) => {
      order = o
      orderedCache.clear()
    },
    shapeOf,
    injectFault: (fault) => {
      faults.push({ fault, remaining: fault.times ?? 1 })
    },
    clearFaults: () => {
      faults.length = 0
    },
    clearRequests: () => {
      requests.length = 0
    },
    requestCounts: () => countRequests(requests),
    get agency() {
      if (agency === undefined) throw new Error("the simulator was started without `agency`")
      return agency
    },
    mutations: hostile.mutations,
    close: () => {
      if (closing !== undefined) return closing
      closed = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      closing = new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
        sockets.clear()
      })
      return closing
    }
  }
}

/** ISO helper re-exported for tests: `iso(Date.parse(x) + 1)` */
export const iso = toIso
