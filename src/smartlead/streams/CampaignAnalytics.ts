/**
 * The `campaign_analytics` stream: one record per campaign of the `CampaignList`, from
 * GET /campaigns/{id}/analytics, one request each, stamped with `fetched_at`. A full refresh
 * reads every campaign (drafted ones included: their zeros are data); an incremental read is a
 * snapshot of ACTIVE campaigns every sync and of inactive ones once per
 * `inactive_campaign_interval_hours`, none of drafted ones. It starts with an ESTIMATE of one row
 * per campaign it reads.
 */
import { Either } from "effect"
import { CampaignAnalyticsRecord, decodeCampaignAnalytics } from "../models/CampaignAnalytics.js"
import { oneRequestPerCampaign } from "../PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_analytics"

/** The `campaign_analytics` stream. */
export const campaignAnalytics = oneRequestPerCampaign({
  name: NAME,
  description: "one row per campaign: its counts (GET /campaigns/{id}/analytics)",
  schema: CampaignAnalyticsRecord,
  primaryKey: [["campaign_id"]],
  columns: [
    "campaign_id",
    "name",
    "status",
    "sent_count",
    "unique_open_count",
    "unique_click_count",
    "reply_count",
    "bounce_count",
    "unsubscribed_count"
  ],
  path: (campaignId) => `/campaigns/${campaignId}/analytics`,
  decode: (json, campaignId) => Either.map(decodeCampaignAnalytics(json, campaignId), (record) => [record]),
  // A drafted campaign's counts are zeros until it starts (read in a full refresh only).
  drafted: "never",
  rowsPerCampaign: 1
})
