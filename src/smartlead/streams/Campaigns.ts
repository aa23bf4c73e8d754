/**
 * The `campaigns` stream (GET /campaigns, full refresh) and the `lead_categories` stream
 * (GET /leads/fetch-categories, full refresh). Both endpoints answer a bare, unpaginated array;
 * every field the API sends is kept.
 */
import { Effect, Stream } from "effect"
import { lazyFromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream } from "../../airbyte/Source.js"
import { records } from "../../airbyte/Source.js"
import { SmartLeadApi } from "../Api.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignRecord, LeadCategoryRecord } from "../Models.js"

const campaignRecordJsonSchema = lazyFromSchema(CampaignRecord)
const leadCategoryRecordJsonSchema = lazyFromSchema(LeadCategoryRecord)

/** The `campaigns` stream. */
export const campaigns: SourceStream<Config, SmartLeadError, SmartLeadApi> = {
  name: "campaigns",
  description: "one row per campaign",
  get jsonSchema() {
    return campaignRecordJsonSchema()
  },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  read: () =>
    Stream.fromEffect(
      Effect.flatMap(SmartLeadApi, (api) => Effect.map(api.listCampaigns, (list) => records(Array.from(list))))
    )
}

/** The `lead_categories` stream. */
export const leadCategories: SourceStream<Config, SmartLeadError, SmartLeadApi> = {
  name: "lead_categories",
  description: "the account's lead categories",
  get jsonSchema() {
    return leadCategoryRecordJsonSchema()
  },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  read: () =>
    Stream.fromEffect(
      Effect.flatMap(SmartLeadApi, (api) => Effect.map(api.listLeadCategories, (list) => records(Array.from(list))))
    )
}
