/**
 * The `campaign_statistics` stream: one record per email sent, for every campaign of the
 * `CampaignList` except drafted ones (they have sent nothing, so they cost no request), from
 * GET /campaigns/{id}/statistics in pages of 100 (rows carry the email HTML). Full refresh for
 * now. The pieces an incremental read plugs into a per-campaign cursor module are exported: the
 * page fetcher (`statisticsPages`), the cursor field (`CURSOR_FIELD`, `sent_time`) and the query
 * for rows sent since a cursor less the lookback (`sentTimeQuery`), whose date format lives in
 * `formatStartDate` and nowhere else.
 */
import { Effect, Option, Stream } from "effect"
import { fromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, estimate, records } from "../../airbyte/Source.js"
import type { SmartLeadApiShape } from "../Api.js"
import { display, SmartLeadApi } from "../Api.js"
import { CampaignList, isDrafted } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { ApiError, SmartLeadError } from "../Errors.js"
import { InvalidResponse } from "../Errors.js"
import type { StatisticsPage } from "../models/CampaignStatistics.js"
import { CampaignStatisticsRecord, CampaignStatisticsRecordWithBody, decodeStatisticsPage } from "../models/CampaignStatistics.js"
import { readCampaigns } from "./PerCampaign.js"

export { CURSOR_FIELD } from "../models/CampaignStatistics.js"

/** The stream's name. */
export const NAME = "campaign_statistics"

/** Rows per request: the rows carry the email HTML, so pages stay small. */
export const PAGE_SIZE = 100

const DAY_MS = 86_400_000

/**
 * `sent_time_start_date` as SmartLead's backend validates it: `2023-10-16 10:33:02.000Z` (UTC,
 * a space between date and time, milliseconds, `Z`). An ISO 8601 `T` is refused by the API. The
 * only place this format is written.
 */
export const formatStartDate = (epochMs: number): string => new Date(epochMs).toISOString().replace("T", " ")

/** The query for emails sent at or after `cursor` less `lookbackDays` days; none without a cursor. */
export const sentTimeQuery = (cursor: string | undefined, lookbackDays: number): Readonly<Record<string, string>> =>
  cursor === undefined ? {} : { sent_time_start_date: formatStartDate(Date.parse(cursor) - lookbackDays * DAY_MS) }

/** One page of a campaign's statistics for a query, at an offset. */
export type StatisticsPageFetcher = (
  campaignId: number,
  query: Readonly<Record<string, string>>,
  offset: number,
  limit: number
) => Effect.Effect<StatisticsPage, ApiError>

const pathOf = (campaignId: number) => `/campaigns/${campaignId}/statistics`

/** The page fetcher over the API client; `includeBody` keeps `email_message`. */
export const statisticsPages = (api: SmartLeadApiShape, includeBody: boolean): StatisticsPageFetcher => (campaignId, query, offset, limit) =>
  api.get(
    pathOf(campaignId),
    { ...query, offset: String(offset), limit: String(limit) },
    (json) => decodeStatisticsPage(json, campaignId, includeBody)
  )

/**
 * Every page of one campaign's statistics for a query, as events: the row estimate from the
 * first page's `total_stats`, then each page's records. Stops on a short page or at the total;
 * refuses to loop on a server that answers the same page whatever the offset.
 */
export const campaignPages = (
  fetch: StatisticsPageFetcher,
  campaignId: number,
  query: Readonly<Record<string, string>>
): Stream.Stream<StreamEvent, ApiError> =>
  Stream.paginateEffect({ offset: 0, first: undefined as unknown }, ({ first, offset }) =>
    Effect.flatMap(fetch(campaignId, query, offset, PAGE_SIZE), (page) => {
      const count = page.rows.length
      const head = count > 0 ? page.rows[0]!["stats_id"] : undefined
      if (head !== undefined && head === first) {
        return Effect.fail(
          new InvalidResponse({
            request: display(pathOf(campaignId), { ...query, offset: String(offset), limit: String(PAGE_SIZE) }),
            detail: "the API answered the previous page again (it ignores offset); stopping rather than looping"
          })
        )
      }
      const next = offset + count
      const done = count < PAGE_SIZE || (page.total !== undefined && next >= page.total)
      const events: Array<StreamEvent> = []
      if (offset === 0 && page.total !== undefined) events.push(estimate(page.total))
      if (count > 0) events.push(records(page.rows))
      return Effect.succeed([events, done ? Option.none() : Option.some({ offset: next, first: head })] as const)
    })).pipe(Stream.mapConcat((events) => events))

const read = (config: Config): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi | CampaignList> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const api = yield* SmartLeadApi
      const all = yield* Effect.flatMap(CampaignList, (list) => list.campaigns)
      const drafted = all.filter(isDrafted)
      if (drafted.length > 0) {
        yield* Effect.logInfo(
          `${NAME}: skipping ${drafted.length} drafted campaign${drafted.length === 1 ? "" : "s"} (nothing sent yet): ${drafted.map((c) => c.id).join(", ")}`
        )
      }
      const fetch = statisticsPages(api, config.statistics_include_email_body)
      // A full refresh reads every email: no sent_time_start_date.
      const query = {}
      return checkpointEveryBatch(readCampaigns({
        stream: NAME,
        campaigns: all.filter((campaign) => !isDrafted(campaign)),
        requestsPerSecond: config.max_requests_per_second,
        read: (campaign) => campaignPages(fetch, campaign.id, query)
      }))
    })
  )

const schema = fromSchema(CampaignStatisticsRecord)
const schemaWithBody = fromSchema(CampaignStatisticsRecordWithBody)

/** The `campaign_statistics` stream. */
export const campaignStatistics: SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> = {
  name: NAME,
  jsonSchema: (config) => (config.statistics_include_email_body ? schemaWithBody : schema),
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["campaign_id"], ["stats_id"]],
  read: ({ config }) => read(config)
}
