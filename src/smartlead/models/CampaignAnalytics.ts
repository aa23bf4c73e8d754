/**
 * `campaign_analytics` records: one per campaign, from GET /campaigns/{id}/analytics. The live
 * API answers one object `{id, name, status, created_at, sent_count, unique_sent_count,
 * open_count, …, campaign_lead_stats:{total, notStarted, inprogress, …, revenue}, client_id}`
 * with the counts often as strings; a record is that object with `campaign_id` added and every
 * count a number. SmartLead's docs show another shape (`{campaign_id, campaign_name, total_sent,
 * total_opened, …, open_rate}`) that accounts do not return; it is refused by name.
 */
import { Either, Schema } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { Kinds } from "./Fields.js"
import { coerceFields, describeValue, isObject, optionalFields } from "./Fields.js"

/** The typed fields of a campaign's analytics (other fields the API sends pass through). */
export const FIELDS = {
  id: "int",
  user_id: "int",
  name: "string",
  status: "string",
  created_at: "datetime",
  sent_count: "int",
  unique_sent_count: "int",
  open_count: "int",
  unique_open_count: "int",
  click_count: "int",
  unique_click_count: "int",
  reply_count: "int",
  bounce_count: "int",
  block_count: "int",
  unsubscribed_count: "int",
  total_count: "int",
  drafted_count: "int",
  sequence_count: "int",
  campaign_lead_stats: {
    object: {
      total: "int",
      notStarted: "int",
      inprogress: "int",
      completed: "int",
      paused: "int",
      stopped: "int",
      blocked: "int",
      interested: "int",
      revenue: "number"
    }
  },
  client_id: "int",
  client_name: "string",
  client_email: "string",
  client_company_name: "string",
  parent_campaign_id: "int",
  send_as_plain_text: "boolean"
} as const satisfies Kinds

/** A `campaign_analytics` record. */
export const CampaignAnalyticsRecord = Schema.Struct({
  campaign_id: Schema.Int,
  ...optionalFields(FIELDS),
  // the start of the sync that fetched the snapshot (the incremental cursor)
  ...optionalFields({ fetched_at: "datetime" })
})

const keysOf = (body: Record<string, unknown>): string => {
  const keys = Object.keys(body)
  return keys.length === 0 ? "{}" : `keys ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}`
}

/** Decodes a campaign's analytics (parsed JSON) into its record, in place; Left says why the body is unusable. */
export const decodeCampaignAnalytics = (body: unknown, campaignId: number): Either.Either<JsonObject, string> => {
  if (!isObject(body)) return Either.left(`expected a campaign analytics object, got ${describeValue(body)}`)
  if (!("sent_count" in body)) {
    return Either.left(
      "total_sent" in body
        ? `this is SmartLead's documented analytics shape (${
          keysOf(body)
        }); the live API answers id, name, sent_count, open_count, …`
        : `campaign analytics need sent_count; got ${keysOf(body)}`
    )
  }
  const problem = coerceFields(body, FIELDS)
  if (problem !== undefined) return Either.left(problem)
  body["campaign_id"] = campaignId
  return Either.right(body as JsonObject)
}
