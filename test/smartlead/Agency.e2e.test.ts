/**
 * Issue 20, measured: an agency account (most campaigns finished, a few sending) synced every
 * hour with every stream and default settings, on a clock the test moves. The simulator's agency
 * shape (test/simulator/Agency.ts) is the issue's account scaled by campaigns only: 30 campaigns
 * (3 ACTIVE, 2 PAUSED, 20 COMPLETED, 3 STOPPED, 2 DRAFTED, the issue's 30/20/200/30/20 ÷ 10), each
 * with the issue's 500 leads, 300 emails a day for 30 days (ACTIVE) or 1,000 emails 40+ days ago
 * (the others), and the issue's 150 mailboxes. Per campaign the pages are the issue's, so a
 * campaign costs what it costs at 300 campaigns and only the count of campaigns is scaled (60
 * campaigns took 17 s for the first sync alone: 134,000 records). What happens in an hour is the
 * issue's per campaign (13 emails and 2 leads per ACTIVE campaign) and, account-wide, the issue's
 * absolute numbers (20 replies of which 5 in COMPLETED campaigns, plus 30 opens and 10 clicks on
 * emails up to 14 days old): more deliveries to check at the same cost, as an ACTIVE campaign's
 * activity of two hours still fits in one page of the sweep.
 *
 * Syncs: the first; then HOURLY_SYNCS hourly ones, each an hour later on the connector's clock
 * (`clockOffsetMs`) after the simulator applied that hour; then one an hour later with nothing new.
 * Each sync's requests are counted per endpoint by the simulator and held to the issue's budgets,
 * scaled (see the constants below), and the destination (one record per primary key, the newest
 * winning, as Append + Deduped keeps it) must hold what changed: with the next sync the new leads,
 * the replies in ACTIVE campaigns with their new categories (leads stream) and the new emails
 * (campaign_statistics); within INACTIVE_INTERVAL_HOURS the replies in finished campaigns (the
 * lead's category and the email's reply_time) and the late opens, clicks and replies on emails
 * sent earlier.
 *
 * The counts of every sync are printed (a table at the end, also when a budget fails).
 */
import { afterAll, describe, expect, it } from "vitest"
import type { Message } from "../helpers/Connector.js"
import { assertStateCounts, runConnector, stateInput } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import type { Catalog } from "../helpers/Streams.js"
import { keyOf } from "../helpers/Streams.js"
import type { AgencyHour, CampaignStatus, Endpoint, Simulator } from "../simulator/Simulator.js"
import { ENDPOINTS } from "../simulator/Simulator.js"

// ----- the budgets (tune here) -------------------------------------------------------------------
/** The issue's account and targets, at 300 campaigns. */
const ISSUE_CAMPAIGNS = 300
const ISSUE_HOURLY_BUDGET = 400
const ISSUE_NOTHING_NEW_BUDGET = 200
/**
 * Requests that do not grow with campaigns, inside the issue's budgets: the campaign list and the
 * lead categories once each, and the 150 mailboxes in 2 pages of 100. Kept unscaled; the rest of
 * a budget is scaled by campaigns.
 */
const FIXED_REQUESTS = 4
/** The first sync: within this fraction of the honest minimum (either side). */
const FIRST_SYNC_TOLERANCE = 0.05
/** Replies in finished campaigns and late opens/clicks/replies on older emails arrive within this. */
const INACTIVE_INTERVAL_HOURS = 24
/** Hourly syncs after the first: enough for the events of the first hours to reach their deadline. */
const HOURLY_SYNCS = INACTIVE_INTERVAL_HOURS + 2

// ----- the account ---------------------------------------------------------------------------------
const STATUSES: Record<CampaignStatus, number> = { ACTIVE: 3, PAUSED: 2, COMPLETED: 20, STOPPED: 3, DRAFTED: 2 }
const CAMPAIGNS = Object.values(STATUSES).reduce((a, b) => a + b, 0)
const LEADS = 500
const SENDS_PER_DAY = 300
const ACTIVE_DAYS = 30
const FINISHED_SENDS = 1000
const MAILBOXES = 150
const PAGE = 100 // leads (default page_size) and email accounts: 100 a page
const STATISTICS_PAGE = 500 // statistics: 500 a page (the rows are large, the request budget small)

const scaled = (issueBudget: number) =>
  FIXED_REQUESTS + Math.round(((issueBudget - FIXED_REQUESTS) * CAMPAIGNS) / ISSUE_CAMPAIGNS)
/** 4 + 396 × 30/300 = 43.6 → 44 */
const HOURLY_BUDGET = scaled(ISSUE_HOURLY_BUDGET)
/** 4 + 196 × 30/300 = 23.6 → 24 */
const NOTHING_NEW_BUDGET = scaled(ISSUE_NOTHING_NEW_BUDGET)

/**
 * The honest minimum of a first sync, counted as the issue counts it (7,884 at 300 campaigns with
 * pages of 100 everywhere) but with the connector's page sizes: a paged read of n rows costs
 * floor(n / page) + 1 requests (every full page, then the short or empty one that shows the end);
 * every campaign's leads (drafted ones have leads too); the emails of every campaign that sent
 * any, in pages of 500 (ACTIVE: 300 × 30 = 9,000 → 19; finished: 1,000 → 3; drafted: none); one
 * analytics request per campaign that has sent (a drafted one's counts are zeros) and one
 * sequences request per campaign; the mailboxes (150 → 2); the campaign list and the lead
 * categories once each. At 30 campaigns: 180 + 57 + 75 + 28 + 30 + 2 + 2 = 374.
 */
const pages = (rows: number, page = PAGE) => Math.floor(rows / page) + 1
const FINISHED = STATUSES.PAUSED + STATUSES.COMPLETED + STATUSES.STOPPED
const FIRST_SYNC_MINIMUM = CAMPAIGNS * pages(LEADS) +
  STATUSES.ACTIVE * pages(SENDS_PER_DAY * ACTIVE_DAYS, STATISTICS_PAGE) +
  FINISHED * pages(FINISHED_SENDS, STATISTICS_PAGE) +
  (CAMPAIGNS - STATUSES.DRAFTED) + CAMPAIGNS +
  pages(MAILBOXES) +
  2

const HOUR = 3_600_000

const helpers = setup()

// ----- what the syncs cost --------------------------------------------------------------------------
interface Cost {
  readonly sync: string
  readonly counts: Record<Endpoint, number> & { total: number }
  /** leads requests with `event_time_gt` (the activity sweep and its filter check) */
  readonly sweeps: number
  readonly records: Record<string, number>
  readonly seconds: number
}
const costs: Array<Cost> = []
const SHOWN: ReadonlyArray<Endpoint> = ENDPOINTS.filter((e) => e !== "campaign" && e !== "other")
const table = () =>
  [
    `agency account: ${CAMPAIGNS} campaigns ${
      JSON.stringify(STATUSES)
    }, ${LEADS} leads each; budgets: hourly ${HOURLY_BUDGET}, nothing new ${NOTHING_NEW_BUDGET}, first sync ${FIRST_SYNC_MINIMUM} ± ${
      FIRST_SYNC_TOLERANCE * 100
    } %`,
    ["sync", ...SHOWN, "(of leads: sweeps)", "other", "total", "records", "s"].join(" | "),
    ...costs.map((c) =>
      [
        c.sync,
        ...SHOWN.map((e) => c.counts[e]),
        c.sweeps,
        c.counts.campaign + c.counts.other,
        c.counts.total,
        Object.values(c.records).reduce((a, b) => a + b, 0),
        c.seconds.toFixed(1)
      ].join(" | ")
    )
  ].join("\n")
afterAll(() => {
  if (costs.length > 0) console.log(table())
})

// ----- the destination -------------------------------------------------------------------------------
/** Append + Deduped: per stream, the newest record of each primary key. */
const destination = (catalog: Catalog) => {
  const tables = new Map<string, Map<string, Record<string, unknown>>>()
  const keys = new Map(catalog.streams.map((s) => [s.name, s.source_defined_primary_key]))
  return {
    load: (messages: ReadonlyArray<Message>) => {
      for (const m of messages) {
        if (m.type !== "RECORD") continue
        const { data, stream } = m["record"] as { stream: string; data: Record<string, unknown> }
        let rows = tables.get(stream)
        if (rows === undefined) tables.set(stream, rows = new Map())
        rows.set(keyOf(data, keys.get(stream) ?? []), data)
      }
    },
    get: (stream: string, key: ReadonlyArray<unknown>) =>
      tables.get(stream)?.get(key.map((part) => JSON.stringify(part)).join("|")),
    size: (stream: string) => tables.get(stream)?.size ?? 0
  }
}

const instant = (value: unknown) => (typeof value === "string" ? Date.parse(value) : Number.NaN)

describe("an agency account synced every hour (issue 20)", () => {
  it(
    `first sync near its honest minimum; ${HOURLY_SYNCS} hourly syncs ≤ ${HOURLY_BUDGET} requests with everything new delivered; a sync with nothing new ≤ ${NOTHING_NEW_BUDGET}`,
    async () => {
      let virtual = Date.parse("2026-03-02T09:00:00.000Z")
      const sim: Simulator = await helpers.start({
        agency: {
          now: () => virtual,
          statuses: STATUSES,
          leads: LEADS,
          sendsPerDay: SENDS_PER_DAY,
          activeDays: ACTIVE_DAYS,
          finishedSends: FINISHED_SENDS,
          mailboxes: MAILBOXES
        }
      })
      // default settings, but for the client's rate limit (configFor turns the slow clocks off for
      // the other suites: here they are at their defaults)
      const config = helpers.configFor(sim, {
        inactive_campaign_interval_hours: INACTIVE_INTERVAL_HOURS,
        statistics_lookback_interval_hours: 24
      })

      // every stream discover lists, incremental where it can be
      const discovered = await runConnector(["discover", "--config", config])
      expect(discovered.code).toBe(0)
      const catalog = discovered.messages.find((m) => m.type === "CATALOG")!["catalog"] as Catalog
      const configured = helpers.files.write({
        streams: catalog.streams.map((stream) =>
          stream.supported_sync_modes.includes("incremental")
            ? {
              stream,
              sync_mode: "incremental",
              cursor_field: (stream as { default_cursor_field?: Array<string> }).default_cursor_field ?? [],
              destination_sync_mode: "append_dedup"
            }
            : { stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }
        )
      })
      const dest = destination(catalog)
      let state: Array<unknown> | undefined

      /** One sync at the virtual now: its requests counted, its records loaded, its state kept. */
      const sync = async (name: string) => {
        sim.clearRequests()
        const args = ["read", "--config", config, "--catalog", configured]
        if (state !== undefined) args.push("--state", helpers.files.write(state))
        const began = Date.now()
        const result = await runConnector(args, { clockOffsetMs: virtual - Date.now(), timeoutMs: 120_000 })
        const seconds = (Date.now() - began) / 1000
        expect(result.code, `${name}: ${result.stdout.slice(-800)}`).toBe(0)
        assertStateCounts(result.messages)
        const records: Record<string, number> = {}
        for (const m of result.messages) {
          if (m.type === "RECORD") records[m["record"].stream] = (records[m["record"].stream] ?? 0) + 1
        }
        const cost: Cost = {
          sync: name,
          counts: sim.requestCounts(),
          sweeps: sim.requests.filter((r) => r.query["event_time_gt"] !== undefined).length,
          records,
          seconds
        }
        costs.push(cost)
        console.log(`${name}: ${JSON.stringify(cost.counts)} (sweeps ${cost.sweeps}) in ${seconds.toFixed(1)} s`)
        dest.load(result.messages)
        state = stateInput(result.messages)
        return cost
      }

      // ----- (a) the first sync ------------------------------------------------------------------
      const first = await sync("first")
      // the connector ran on the virtual clock: its sync start, recorded in state, is the virtual now
      const leadsState = (state ?? []).map((s) =>
        (s as { stream: { stream_descriptor: { name: string }; stream_state: any } }).stream
      )
        .find((s) => s.stream_descriptor.name === "leads")?.stream_state as { reconciled_at?: Record<string, unknown> }
      for (const at of Object.keys(leadsState?.reconciled_at ?? { missing: 0 })) {
        expect(Date.parse(at) - virtual, `the first sync's start in state (${at}) is the virtual now`)
          .toBeGreaterThanOrEqual(0)
        expect(Date.parse(at) - virtual).toBeLessThan(600_000)
      }
      expect(dest.size("leads")).toBe(CAMPAIGNS * LEADS)
      expect(dest.size("campaign_statistics")).toBe(sim.engagement.sends().length)
      expect(dest.size("campaigns")).toBe(CAMPAIGNS)
      expect(dest.size("email_accounts")).toBe(MAILBOXES)
      expect(
        Math.abs(first.counts.total - FIRST_SYNC_MINIMUM),
        `first sync: ${first.counts.total} requests against an honest minimum of ${FIRST_SYNC_MINIMUM}`
      ).toBeLessThanOrEqual(FIRST_SYNC_MINIMUM * FIRST_SYNC_TOLERANCE)

      // ----- (b) hourly syncs, (d) deliveries ---------------------------------------------------------
      const hours: Array<AgencyHour> = []
      /** What must have arrived by the sync after hour `h` (1-based) + the interval. */
      const lateDeliveries = (hour: AgencyHour, label: string) => {
        for (const reply of hour.replies) {
          if (reply.status !== "ACTIVE") {
            const lead = dest.get("leads", [reply.campaignId, reply.leadId])
            expect(lead?.["category_id"], `${label}: reply in a ${reply.status} campaign, lead ${reply.leadId}`).toBe(
              reply.categoryId
            )
          }
          const email = dest.get("campaign_statistics", [reply.campaignId, reply.statsId])
          expect(
            instant(email?.["reply_time"]),
            `${label}: reply_time of email ${reply.statsId} (campaign ${reply.campaignId}, ${reply.status}, sent ${
              String(email?.["sent_time"])
            })`
          ).toBe(
            Date.parse(reply.at)
          )
        }
        for (const open of hour.opens) {
          const email = dest.get("campaign_statistics", [open.campaignId, open.statsId])
          expect(instant(email?.["open_time"]), `${label}: late open of email ${open.statsId}`).toBe(
            Date.parse(open.at)
          )
        }
        for (const click of hour.clicks) {
          const email = dest.get("campaign_statistics", [click.campaignId, click.statsId])
          expect(instant(email?.["click_time"]), `${label}: late click of email ${click.statsId}`).toBe(
            Date.parse(click.at)
          )
        }
      }
      for (let h = 1; h <= HOURLY_SYNCS; h++) {
        virtual += HOUR
        const hour = sim.agency.advanceHour()
        hours.push(hour)
        const cost = await sync(`hour ${h}`)
        const label = `hour ${h}`
        // with this sync: the new leads, the replies in ACTIVE campaigns with their categories, the new emails
        for (const lead of hour.newLeads) {
          expect(dest.get("leads", [lead.campaignId, lead.leadId]), `${label}: new lead ${lead.leadId}`).toBeDefined()
        }
        for (const reply of hour.replies.filter((r) => r.status === "ACTIVE")) {
          expect(
            dest.get("leads", [reply.campaignId, reply.leadId])?.["category_id"],
            `${label}: reply in an ACTIVE campaign, lead ${reply.leadId}`
          ).toBe(reply.categoryId)
        }
        for (const email of hour.newSends) {
          expect(
            dest.get("campaign_statistics", [email.campaignId, email.statsId]),
            `${label}: new email ${email.statsId}`
          ).toBeDefined()
        }
        // within the interval: what happened INACTIVE_INTERVAL_HOURS before this sync
        const due = hours[h - 1 - INACTIVE_INTERVAL_HOURS]
        if (due !== undefined) lateDeliveries(due, `${label}, for hour ${h - INACTIVE_INTERVAL_HOURS}`)
        expect(cost.counts.total, `${label}: requests of an hourly sync`).toBeLessThanOrEqual(HOURLY_BUDGET)
      }

      // ----- (c) a sync with nothing new, an hour later ----------------------------------------------
      virtual += HOUR
      const idle = await sync("nothing new")
      for (const [i, hour] of hours.entries()) {
        if (HOURLY_SYNCS + 1 - (i + 1) >= INACTIVE_INTERVAL_HOURS) {
          lateDeliveries(hour, `nothing new, for hour ${i + 1}`)
        }
      }
      expect(idle.counts.total, "requests of a sync with nothing new").toBeLessThanOrEqual(NOTHING_NEW_BUDGET)
    },
    300_000
  )
})
