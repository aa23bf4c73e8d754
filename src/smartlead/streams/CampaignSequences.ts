/**
 * The `campaign_sequences` stream: the steps (and A/B variants) of each campaign's sequence, for
 * every campaign of the `CampaignList`, from GET /campaigns/{id}/sequences, one request each.
 * Full refresh. With it, `campaign_statistics` rows gain the subject and body of the step and
 * variant they were sent from.
 */
import { lazyFromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream } from "../../airbyte/Source.js"
import type { SmartLeadApi } from "../Api.js"
import type { CampaignList } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignSequenceRecord, decodeCampaignSequences } from "../models/CampaignSequences.js"
import { oneRequestPerCampaign } from "../PerCampaign.js"

/** The stream's name. */
export const NAME = "campaign_sequences"

const read = oneRequestPerCampaign({
  stream: NAME,
  path: (campaignId) => `/campaigns/${campaignId}/sequences`,
  decode: decodeCampaignSequences
})

const campaignSequenceRecordJsonSchema = lazyFromSchema(CampaignSequenceRecord)

/** The `campaign_sequences` stream. */
export const campaignSequences: SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> = {
  name: NAME,
  description: "one row per step of a campaign's sequence, with its A/B variants (GET /campaigns/{id}/sequences)",
  get jsonSchema() {
    return campaignSequenceRecordJsonSchema()
  },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["campaign_id"], ["id"]],
  read: ({ config }) => read(config)
}
