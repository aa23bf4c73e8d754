/**
 * The `campaign_statistics` stream: one record per email sent, for every campaign of the
 * `CampaignList` except drafted ones (they have sent nothing, so they cost no request), from
 * GET /campaigns/{id}/statistics in pages of 500. Incremental on `sent_time` with per-campaign
 * cursors: declared as data for the runner's partitioned reader (`PerCampaign.incremental`),
 * with the same safety rules as `leads` (checkpoints, resume with the query the offset counted,
 * paging that cannot skip rows) and the same tiers (inactive campaigns on the slow clock). Each
 * sync asks `sent_time_start_date` = cursor; opens, clicks and replies land on rows days after
 * they were sent, so once per `statistics_lookback_interval_hours` a campaign's read reaches
 * `statistics_lookback_days` further back and re-emits those rows. The date format lives in
 * `formatStartDate` and nowhere else. `email_message` is null unless
 * `statistics_include_email_body` is set.
 */
import { Effect } from "effect"
import * as Instant from "../../airbyte/Instant.js"
import type { SmartLeadApiShape } from "../Api.js"
import type { ApiError } from "../Errors.js"
import type { StatisticsPage } from "../models/CampaignStatistics.js"
import { CampaignStatisticsRecordWithBody, CURSOR_FIELD, decodeStatisticsPage } from "../models/CampaignStatistics.js"
import * as PerCampaign from "../PerCampaign.js"

export { CURSOR_FIELD }

/** The stream's name. */
export const NAME = "campaign_statistics"

/**
 * Rows per request. The rows carry the email HTML (about 10 kB each, dropped unless asked for),
 * so a page is a few MB; fewer, larger pages are what the request budget needs. An API that caps
 * the limit lower says so in its totals, and the paginator steps by the rows it got.
 */
export const PAGE_SIZE = 500

const DAY_MS = 86_400_000

/**
 * `sent_time_start_date` as SmartLead's backend validates it: `2023-10-16 10:33:02.000Z` (UTC,
 * a space between date and time, milliseconds, `Z`). An ISO 8601 `T` is refused by the API. The
 * only place this format is written.
 */
export const formatStartDate = (epochMs: number): string => Instant.format(epochMs).replace("T", " ")

/** One page of a campaign's statistics for a query, at an offset. */
export type StatisticsPageFetcher = (
  campaignId: number,
  query: Readonly<Record<string, string>>,
  offset: number,
  limit: number
) => Effect.Effect<StatisticsPage, ApiError>

const pathOf = (campaignId: number) => `/campaigns/${campaignId}/statistics`

/** The page fetcher over the API client; `includeBody` keeps `email_message`. */
export const statisticsPages =
  (api: SmartLeadApiShape, includeBody: boolean): StatisticsPageFetcher => (campaignId, query, offset, limit) =>
    api.get(
      pathOf(campaignId),
      { ...query, offset: String(offset), limit: String(limit) },
      (json) => decodeStatisticsPage(json, campaignId, includeBody)
    )

/** The `campaign_statistics` stream. */
export const campaignStatistics = PerCampaign.incremental({
  name: NAME,
  description: "one row per email sent (GET /campaigns/{id}/statistics), incremental on sent_time",
  schema: CampaignStatisticsRecordWithBody,
  primaryKey: [["campaign_id"], ["stats_id"]],
  columns: [
    "campaign_id",
    "stats_id",
    "lead_email",
    "sequence_number",
    "seq_variant_id",
    "sent_time",
    "open_time",
    "click_time",
    "reply_time",
    "open_count",
    "click_count"
  ],
  cursorField: CURSOR_FIELD,
  keyOf: (row) => row["stats_id"],
  settings: (config) => ({
    pageSize: PAGE_SIZE,
    lookbackMs: config.statistics_lookback_days * DAY_MS,
    dropBeforeFrom: false,
    // 0: the lookback every sync, as before the slow clock.
    ...(config.statistics_lookback_interval_hours === 0
      ? {}
      : { refreshMs: config.statistics_lookback_interval_hours * 3_600_000 })
  }),
  drafted: "never",
  pages: (api, config) => {
    const fetch = statisticsPages(api, config.statistics_include_email_body)
    return Effect.succeed({
      fetch: (campaignId, query, offset, limit) =>
        fetch(
          campaignId,
          query.from === undefined ? {} : { sent_time_start_date: formatStartDate(query.from) },
          offset,
          limit
        )
    })
  }
})
