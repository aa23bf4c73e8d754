/**
 * The `leads` stream: every lead of every selected campaign, one record per lead per campaign,
 * incremental on `created_at` with per-campaign cursors (rules in `LeadsState`). Campaigns are
 * read concurrently, as many at once as the rate limit can keep busy; their pages merge into one
 * sequence that checkpoints after every page, so a STATE never claims a row not yet written.
 * A campaign that fails (after retries) does not stop the others: the stream ends with the
 * failures once the rest are read. A rejected key stops everything at once. Where the API
 * leaves out `category_name` (its real shape), it is filled in from the lead categories.
 */
import { Chunk, Effect, Option, Schedule, Stream } from "effect"
import { fromSchema } from "../../airbyte/JsonSchema.js"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { ReadContext, SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpoint, estimate, records } from "../../airbyte/Source.js"
import type { LeadFilters } from "../Api.js"
import { SmartLeadApi } from "../Api.js"
import type { Config } from "../Config.js"
import type { ApiError, SmartLeadError } from "../Errors.js"
import { CampaignsFailed, describe } from "../Errors.js"
import { LeadRecord } from "../Models.js"
import * as LeadsState from "./LeadsState.js"

/**
 * Campaigns read at once: enough to keep `perSecond` requests in flight for answers taking up to
 * ~0.5 s, at least 2 (one page parsed while the next is fetched), at most 8 (more only holds more
 * pages in memory).
 */
export const concurrencyFor = (perSecond: number, campaigns: number): number =>
  Math.max(1, Math.min(campaigns, 8, Math.max(2, Math.ceil(perSecond / 2))))

/** The API filters the config asks for (without `created_at_gt`). */
export const filtersOf = (config: Config): LeadFilters => {
  const filters: Record<string, string> = {}
  if (config.lead_status !== undefined) filters["status"] = config.lead_status
  if (config.lead_category_id !== undefined) filters["lead_category_id"] = String(config.lead_category_id)
  if (config.email_status !== undefined) filters["emailStatus"] = config.email_status
  if (config.last_sent_after !== undefined) filters["last_sent_time_gt"] = new Date(config.last_sent_after).toISOString()
  if (config.event_after !== undefined) filters["event_time_gt"] = new Date(config.event_after).toISOString()
  return filters
}

/** What one campaign's reader reports. */
type CampaignEvent =
  | {
    readonly _tag: "Page"
    readonly campaignId: number
    readonly cursor: string | undefined
    readonly records: Array<JsonObject>
    readonly nextOffset: number
    readonly done: boolean
    readonly newest: string | undefined
    readonly estimate: number | undefined
  }
  | { readonly _tag: "Failed"; readonly campaignId: number; readonly error: ApiError }

const readCampaign = (
  campaignId: number,
  start: { readonly cursor: string | undefined; readonly offset: number },
  config: Config,
  filters: LeadFilters,
  categories: Effect.Effect<ReadonlyMap<unknown, unknown>>,
  counters: { pages: number }
): Stream.Stream<CampaignEvent, ApiError, SmartLeadApi> =>
  Stream.unwrap(
    Effect.map(SmartLeadApi, (api) => {
      const gt = start.cursor === undefined ? undefined : LeadsState.queryCursor(start.cursor, config.lookback_window_seconds)
      const gtMs = gt === undefined ? -Infinity : Date.parse(gt)
      const query = gt === undefined ? filters : { ...filters, created_at_gt: gt }
      let newest: string | undefined
      let newestMs = -Infinity
      let skipped = 0
      return api.leadPages(campaignId, query, start.offset).pipe(
        Stream.mapEffect(({ last, offset, page }): Effect.Effect<CampaignEvent> => {
          counters.pages++
          const kept: Array<JsonObject> = []
          const unnamed: Array<Record<string, unknown>> = []
          for (const record of page.records) {
            const createdAt = record["created_at"]
            const ms = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN
            if (ms <= gtMs) {
              skipped++
              continue
            }
            if (ms > newestMs) {
              newestMs = ms
              newest = createdAt as string
            }
            if (record["category_name"] === undefined && record["category_id"] !== undefined && record["category_id"] !== null) {
              unnamed.push(record as Record<string, unknown>)
            }
            kept.push(record)
          }
          const nextOffset = offset + page.records.length
          ;(page.records as Array<JsonObject>).length = 0
          const event: CampaignEvent = {
            _tag: "Page",
            campaignId,
            cursor: start.cursor,
            records: kept,
            nextOffset,
            done: last,
            newest,
            estimate: offset === start.offset && page.total !== undefined ? Math.max(0, page.total - start.offset) : undefined
          }
          if (unnamed.length === 0) return Effect.succeed(event)
          return Effect.map(categories, (names) => {
            for (const record of unnamed) record["category_name"] = names.get(record["category_id"]) ?? null
            return event
          })
        }),
        Stream.ensuring(
          Effect.suspend(() =>
            skipped === 0
              ? Effect.void
              : Effect.logInfo(`Campaign ${campaignId}: skipped ${skipped} leads created at or before ${gt} that the API returned despite created_at_gt`)
          )
        ),
        Stream.catchAll((error) =>
          error._tag === "Unauthorized" ? Stream.fail(error) : Stream.make({ _tag: "Failed", campaignId, error } as CampaignEvent)
        )
      )
    })
  )

const campaignIdsOf = (config: Config) =>
  config.campaign_ids !== undefined && config.campaign_ids.length > 0
    ? Effect.succeed(Array.from(new Set(config.campaign_ids)))
    : Effect.map(SmartLeadApi, (api) => api.listCampaigns).pipe(
      Effect.flatten,
      Effect.map((campaigns) => campaigns.map((campaign) => campaign["id"] as number))
    )

/**
 * Category names by id, to fill `category_name` where the API leaves it out (its real shape);
 * requested once, in the background as the read starts, and awaited only by a page that needs
 * one; empty if they cannot be read.
 */
const categoryNames = Effect.flatMap(SmartLeadApi, (api) => api.listLeadCategories).pipe(
  Effect.map((categories) => new Map(categories.map((category) => [category["id"], category["name"]]))),
  Effect.catchAll((error) =>
    Effect.as(
      Effect.logWarning(`Lead category names are left out: ${describe(error)}`),
      new Map<unknown, unknown>()
    )
  )
)

const read = (context: ReadContext<Config, LeadsState.LeadsState | undefined>): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const { config } = context
      const api = yield* SmartLeadApi
      const input = context.state
      const categories = yield* Effect.cached(Effect.provideService(categoryNames, SmartLeadApi, api))
      yield* Effect.forkScoped(categories)
      const campaignIds = yield* campaignIdsOf(config)
      const filters = filtersOf(config)
      const counters = { pages: 0, emitted: 0 }
      const failures: Array<{ campaignId: number; error: ApiError }> = []
      const startedAt = Date.now()
      const concurrency = concurrencyFor(config.max_requests_per_second, campaignIds.length)
      yield* Effect.logInfo(
        `Reading leads of ${campaignIds.length} campaign${campaignIds.length === 1 ? "" : "s"}, ${concurrency} at a time`
      )
      yield* Effect.gen(function*() {
        const requests = yield* api.requestCount
        const seconds = (Date.now() - startedAt) / 1000
        yield* Effect.logInfo(
          `leads: ${counters.emitted} records, ${counters.pages} pages, ${(requests / Math.max(seconds, 0.001)).toFixed(2)} requests/s`
        )
      }).pipe(Effect.repeat(Schedule.spaced("10 seconds")), Effect.delay("10 seconds"), Effect.forkScoped)

      const campaigns = campaignIds.map((id) =>
        readCampaign(id, LeadsState.startOf(input, id, config.start_date), config, filters, categories, counters)
      )
      let state = input
      const pages = concurrency === 1 ? Stream.concatAll(Chunk.fromIterable(campaigns)) : Stream.mergeAll(campaigns, { concurrency, bufferSize: 1 })
      const events = pages.pipe(
        Stream.mapConcat((event): ReadonlyArray<StreamEvent> => {
          if (event._tag === "Failed") {
            failures.push({ campaignId: event.campaignId, error: event.error })
            return []
          }
          state = event.done
            ? LeadsState.withCompleted(state, campaignIds, event.campaignId, event.cursor, event.newest)
            : LeadsState.withProgress(state, campaignIds, event.campaignId, event.cursor, event.nextOffset)
          counters.emitted += event.records.length
          const out: Array<StreamEvent> = []
          if (event.estimate !== undefined) out.push(estimate(event.estimate))
          out.push(records(event.records), checkpoint(LeadsState.toJson(state)))
          return out
        })
      )
      const finish = Effect.suspend(() => {
        if (failures.length > 0) return Effect.fail(new CampaignsFailed({ failures: [...failures] }))
        return Effect.succeed(
          Option.match(Option.fromNullable(state), {
            onNone: () => [] as Array<StreamEvent>,
            onSome: (final) => (final === input ? [checkpoint(LeadsState.toJson(final))] : [])
          })
        )
      })
      return Stream.concat(events, Stream.fromIterableEffect(finish))
    })
  )

/** The `leads` stream. */
export const leads: SourceStream<Config, SmartLeadError, SmartLeadApi, LeadsState.LeadsState | undefined> = {
  name: "leads",
  description: "one row per lead of a campaign, incremental on created_at",
  jsonSchema: fromSchema(LeadRecord),
  supportedSyncModes: ["full_refresh", "incremental"],
  primaryKey: [["campaign_id"], ["id"]],
  cursorField: ["created_at"],
  read,
  decodeState: LeadsState.decode
}
