/**
 * The `campaign_sequences` stream: the steps (and A/B variants) of each campaign's sequence, for
 * every campaign of the `CampaignList`, from GET /campaigns/{id}/sequences, one request each.
 * Full refresh. With it, `campaign_statistics` rows gain the subject and body of the step and
 * variant they were sent from.
 */
import { Effect, Stream } from "effect"
import { fromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, records } from "../../airbyte/Source.js"
import { SmartLeadApi } from "../Api.js"
import { CampaignList } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignSequenceRecord, decodeCampaignSequences } from "../models/CampaignSequences.js"
import { readCampaigns } from "./PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_sequences"

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
            api.get(`/campaigns/${campaign.id}/sequences`, {}, (json) => decodeCampaignSequences(json, campaign.id))
          ).pipe(Stream.filter((steps) => steps.length > 0), Stream.map(records))
      }))
    })
  )

/** The `campaign_sequences` stream. */
export const campaignSequences: SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> = {
  name: NAME,
  jsonSchema: fromSchema(CampaignSequenceRecord),
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["campaign_id"], ["id"]],
  read: ({ config }) => read(config)
}
