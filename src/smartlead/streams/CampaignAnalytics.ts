/**
 * The `campaign_analytics` stream: one record per campaign of the `CampaignList` (drafted ones
 * included: their zeros are data), from GET /campaigns/{id}/analytics, one request each. Full
 * refresh.
 */
import { Effect, Stream } from "effect"
import { fromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, records } from "../../airbyte/Source.js"
import { SmartLeadApi } from "../Api.js"
import { CampaignList } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignAnalyticsRecord, decodeCampaignAnalytics } from "../models/CampaignAnalytics.js"
import { readCampaigns } from "./PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_analytics"

const read = (config: Config): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi | CampaignList> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const api = yield* SmartLeadApi
      const campaigns = yield* Effect.flatMap(CampaignList, (list) => list.campaigns)
      return checkpointEveryBatch(readCampaigns({
        stream: NAME,
        campaigns,
        requestsPerSecond: config.max_requests_per_second,
        read: (campaign) =>
          Stream.fromEffect(
            api.get(`/campaigns/${campaign.id}/analytics`, {}, (json) => decodeCampaignAnalytics(json, campaign.id))
          ).pipe(Stream.map((record) => records([record])))
      }))
    })
  )

/** The `campaign_analytics` stream. */
export const campaignAnalytics: SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> = {
  name: NAME,
  jsonSchema: fromSchema(CampaignAnalyticsRecord),
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["campaign_id"]],
  read: ({ config }) => read(config)
}
