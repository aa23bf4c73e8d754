/**
 * The `campaigns` stream (GET /campaigns, full refresh) and the `lead_categories` stream
 * (GET /leads/fetch-categories, full refresh). Both endpoints answer a bare, unpaginated array;
 * every field the API sends is kept. Each is requested once per sync (`SmartLeadApi` shares the
 * answer with the campaign list and the leads' category names), so the records are copies.
 */
import { Effect, Stream } from "effect"
import type { SourceStream } from "../../airbyte/Source.js"
import { defineStream, records } from "../../airbyte/Source.js"
import { SmartLeadApi } from "../Api.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { CampaignRecord, LeadCategoryRecord } from "../Models.js"

/** The `campaigns` stream. */
export const campaigns: SourceStream<Config, SmartLeadError, SmartLeadApi> = defineStream({
  name: "campaigns",
  description: "one row per campaign",
  schema: CampaignRecord,
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  columns: ["id", "name", "status", "created_at"],
  read: () =>
    Stream.fromEffect(
      Effect.flatMap(SmartLeadApi, (api) =>
        Effect.map(api.listCampaigns, (list) => records(structuredClone(Array.from(list)))))
    )
})

/** The `lead_categories` stream. */
export const leadCategories: SourceStream<Config, SmartLeadError, SmartLeadApi> = defineStream({
  name: "lead_categories",
  description: "the account's lead categories",
  schema: LeadCategoryRecord,
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  columns: ["id", "name", "sentiment_type"],
  read: () =>
    Stream.fromEffect(
      Effect.flatMap(SmartLeadApi, (api) =>
        Effect.map(api.listLeadCategories, (list) => records(structuredClone(Array.from(list)))))
    )
})
