/**
 * The `campaign_analytics` stream: one record per campaign of the `CampaignList` (drafted ones
 * included: their zeros are data), from GET /campaigns/{id}/analytics, one request each. Full
 * refresh.
 */
import { Either } from "effect"
import { lazyFromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream } from "../../airbyte/Source.js"
import type { SmartLeadApi } from "../Api.js"
import type { CampaignList } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignAnalyticsRecord, decodeCampaignAnalytics } from "../models/CampaignAnalytics.js"
import { oneRequestPerCampaign } from "../PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_analytics"

const read = oneRequestPerCampaign({
  stream: NAME,
  path: (campaignId) => `/campaigns/${campaignId}/analytics`,
  decode: (json, campaignId) => Either.map(decodeCampaignAnalytics(json, campaignId), (record) => [record])
})

const campaignAnalyticsRecordJsonSchema = lazyFromSchema(CampaignAnalyticsRecord)

/** The `campaign_analytics` stream. */
export const campaignAnalytics: SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> = {
  name: NAME,
  description: "one row per campaign: its counts (GET /campaigns/{id}/analytics)",
  get jsonSchema() {
    return campaignAnalyticsRecordJsonSchema()
  },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["campaign_id"]],
  read: ({ config }) => read(config)
}
