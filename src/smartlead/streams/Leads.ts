/**
 * The `leads` stream: every lead of every selected campaign, one record per lead per campaign,
 * incremental on `created_at` with per-campaign cursors, declared as data for the runner's
 * partitioned reader (`PerCampaign.incremental`): its page request (GET /campaigns/{id}/leads
 * with the config's filters, `created_at_gt` for incremental reads and `event_time_gt` for the
 * activity sweep), its key, lookback, reconciliation and sweep settings. Where the API leaves out
 * `category_name` (its real shape), it is filled in from the lead categories.
 */
import { Effect } from "effect"
import * as Instant from "../../airbyte/Instant.js"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { LeadFilters } from "../Api.js"
import { SmartLeadApi } from "../Api.js"
import type { Config } from "../Config.js"
import { describe } from "../Errors.js"
import { LeadRecord } from "../Models.js"
import * as PerCampaign from "../PerCampaign.js"

/** The API filters the config asks for (without `created_at_gt`). */
export const filtersOf = (config: Config): LeadFilters => {
  const filters: Record<string, string> = {}
  if (config.lead_status !== undefined) filters["status"] = config.lead_status
  if (config.lead_category_id !== undefined) filters["lead_category_id"] = String(config.lead_category_id)
  if (config.email_status !== undefined) filters["emailStatus"] = config.email_status
  if (config.last_sent_after !== undefined) {
    filters["last_sent_time_gt"] = Instant.normalize(config.last_sent_after) ?? config.last_sent_after
  }
  if (config.event_after !== undefined) {
    filters["event_time_gt"] = Instant.normalize(config.event_after) ?? config.event_after
  }
  return filters
}

/**
 * Category names by id, to fill `category_name` where the API leaves it out; requested once per
 * sync, when the stream starts (beside the campaign list, so the first pages never wait for
 * it), and empty (with a warning) if they cannot be read.
 */
const categoryNames = Effect.flatMap(SmartLeadApi, (api) => api.listLeadCategories).pipe(
  Effect.map((categories) => new Map(categories.map((category) => [category["id"], category["name"]]))),
  Effect.catchAll((error) =>
    Effect.as(Effect.logWarning(`Lead category names are left out: ${describe(error)}`), new Map<unknown, unknown>())
  )
)

/** The `leads` stream. */
export const leads = PerCampaign.incremental({
  name: "leads",
  description: "one row per lead of a campaign, incremental on created_at",
  schema: LeadRecord,
  primaryKey: [["campaign_id"], ["id"]],
  columns: ["email", "first_name", "last_name", "company_name", "status", "category_name", "created_at", "campaign_id"],
  cursorField: "created_at",
  keyOf: (row) => row["id"],
  // Leads may be added to a campaign before it starts: read on the slow clock, with no sweep.
  drafted: "interval",
  settings: (config) => ({
    pageSize: config.page_size,
    lookbackMs: config.lookback_window_seconds * 1000,
    reconcileMs: config.reconcile_interval_hours * 3_600_000,
    sweep: config.activity_sweep,
    dropBeforeFrom: true
  }),
  sweepFallback:
    "replies and the categories set after them arrive with each campaign's next full read (reconcile_interval_hours)",
  pages: (api, config) =>
    Effect.gen(function*() {
      const names = yield* Effect.cached(Effect.provideService(categoryNames, SmartLeadApi, api))
      let known: ReadonlyMap<unknown, unknown> | undefined
      yield* Effect.forkScoped(names)
      const filters = filtersOf(config)
      const eventAfter = config.event_after === undefined ? undefined : Instant.parse(config.event_after)
      return {
        fetch: (campaignId, query, offset, limit) => {
          const params: Record<string, string> = { ...filters }
          if (query.from !== undefined) params["created_at_gt"] = Instant.format(query.from)
          if (query.activitySince !== undefined) {
            params["event_time_gt"] = Instant.format(
              eventAfter === undefined ? query.activitySince : Math.max(eventAfter, query.activitySince)
            )
          }
          return Effect.map(api.leadsPage(campaignId, params, offset, limit), (page) => ({
            rows: page.records,
            total: page.total,
            limit: page.limit
          }))
        },
        enrich: (rows: Array<JsonObject>) => {
          const unnamed = rows.filter((row) =>
            row["category_name"] === undefined && row["category_id"] !== undefined && row["category_id"] !== null
          )
          if (unnamed.length === 0) return Effect.void
          const name = (byId: ReadonlyMap<unknown, unknown>) => {
            for (const row of unnamed) {
              ;(row as Record<string, unknown>)["category_name"] = byId.get(row["category_id"]) ?? null
            }
          }
          // Once the names have come, later pages are named without a step.
          if (known !== undefined) return Effect.sync(() => name(known!))
          return Effect.map(names, (byId) => {
            known = byId
            name(byId)
          })
        }
      }
    })
})
