/**
 * SmartLead's response shapes and the records made from them. A leads page arrives either in the
 * documented shape `{total, leads:[…]}` or in the shape real accounts return
 * `{total_leads:"42", data:[{…, lead:{…}}]}`; both become the same flat lead record, with the
 * documented field names at the top level and every other field the API sent kept as is. Pages
 * are checked once, by hand, rather than record by record through a schema: this is the hot
 * path. The record schemas below are what `discover` announces.
 */
import { Either, Schema } from "effect"
import { parseInteger } from "../airbyte/Numbers.js"
import { isJsonObject } from "../airbyte/Protocol.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import { notAnArray } from "./models/Fields.js"

/** One page of leads, normalised. `rows` counts the server's rows, whatever their content. */
export interface LeadsPage {
  readonly total: number | undefined
  /** The limit the API says it applied, when it echoes one. */
  readonly limit: number | undefined
  readonly records: Array<JsonObject>
}

/** A number, or an integer string made a number (the API sends ids and totals either way). */
const toInteger = (value: unknown): unknown => typeof value === "string" ? parseInteger(value) ?? value : value

const INTEGER_FIELDS = ["id", "campaign_lead_map_id", "category_id"] as const

const finish = (record: Record<string, unknown>): JsonObject => {
  for (const key of INTEGER_FIELDS) if (key in record) record[key] = toInteger(record[key])
  return record
}

/**
 * A lead of the real shape: the `lead` object, with the row's fields added (in place: pages are
 * the hot path); a clash keeps the row's value and the lead's as `lead_<name>`.
 */
const fromRealRow = (row: Record<string, unknown>, campaignId: number): JsonObject | string => {
  const record = row["lead"]
  if (!isJsonObject(record)) return "a row has no lead object"
  const id = record["id"]
  if (id === undefined || id === null) return "a lead has no id"
  for (const key in row) {
    if (key === "lead") continue
    const target = key === "lead_category_id" ? "category_id" : key === "id" ? "row_id" : key
    if (target in record && record[target] !== row[key]) record[`lead_${target}`] = record[target]
    record[target] = row[key]
  }
  record["id"] = id
  record["campaign_id"] = campaignId
  return finish(record)
}

/** A lead of the documented shape: its fields as they are, plus `campaign_id`. */
const fromDocumentedLead = (lead: Record<string, unknown>, campaignId: number): JsonObject | string => {
  if (lead["id"] === undefined || lead["id"] === null) return "a lead has no id"
  lead["campaign_id"] = campaignId
  return finish(lead)
}

const readTotal = (value: unknown): number | undefined => {
  const total = toInteger(value)
  return typeof total === "number" && Number.isFinite(total) && total >= 0 ? total : undefined
}

/** Decodes a leads page body (already parsed JSON) of either shape; Left is why it is unusable. */
export const decodeLeadsPage = (body: unknown, campaignId: number): Either.Either<LeadsPage, string> => {
  if (!isJsonObject(body)) {
    return Either.left(`expected a JSON object, got ${Array.isArray(body) ? "an array" : typeof body}`)
  }
  const real = body["data"]
  const documented = body["leads"]
  const rows = Array.isArray(real) ? real : Array.isArray(documented) ? documented : undefined
  if (rows === undefined) {
    const keys = Object.keys(body)
    return Either.left(
      `a leads page needs a data or leads array; got ${
        keys.length === 0 ? "{}" : `keys ${keys.slice(0, 5).join(", ")}`
      }`
    )
  }
  const convert = Array.isArray(real) ? fromRealRow : fromDocumentedLead
  const records: Array<JsonObject> = new Array(rows.length)
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]
    if (!isJsonObject(row)) return Either.left(`row ${index} is not an object`)
    const record = convert(row, campaignId)
    if (typeof record === "string") return Either.left(`row ${index}: ${record}`)
    records[index] = record
  }
  return Either.right({
    total: readTotal(body["total_leads"] ?? body["total"]),
    limit: readTotal(body["limit"]),
    records
  })
}

/** Decodes a bare array of objects (campaigns, categories); Left is why it is unusable. */
export const decodeObjectArray = (body: unknown, what: string): Either.Either<ReadonlyArray<JsonObject>, string> => {
  if (!Array.isArray(body)) {
    return Either.left(notAnArray(what, body))
  }
  for (const [index, item] of body.entries()) {
    if (!isJsonObject(item)) return Either.left(`${what} ${index} is not an object`)
    if (item["id"] === undefined || item["id"] === null) return Either.left(`${what} ${index} has no id`)
    item["id"] = toInteger(item["id"])
  }
  return Either.right(body as ReadonlyArray<JsonObject>)
}

const NullableString = Schema.NullOr(Schema.String)
const NullableInt = Schema.NullOr(Schema.Int)
const NullableBoolean = Schema.NullOr(Schema.Boolean)
const AnyObject = Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
const DateTimeString = NullableString.annotations({ jsonSchema: { format: "date-time" } })

/** A `leads` record (more fields pass through when the API sends them). */
export const LeadRecord = Schema.Struct({
  campaign_id: Schema.Int,
  id: Schema.Int,
  campaign_lead_map_id: Schema.optional(NullableInt),
  email: Schema.optional(NullableString),
  first_name: Schema.optional(NullableString),
  last_name: Schema.optional(NullableString),
  company_name: Schema.optional(NullableString),
  phone_number: Schema.optional(NullableString),
  website: Schema.optional(NullableString),
  location: Schema.optional(NullableString),
  linkedin_profile: Schema.optional(NullableString),
  company_url: Schema.optional(NullableString),
  status: Schema.optional(NullableString),
  category_id: Schema.optional(NullableInt),
  category_name: Schema.optional(NullableString),
  created_at: Schema.optional(DateTimeString),
  // the text of a created_at that is not a date-time (then emitted as null; see Incremental)
  created_at_raw: Schema.optional(NullableString),
  last_sent_time: Schema.optional(DateTimeString),
  email_stats: Schema.optional(AnyObject),
  custom_fields: Schema.optional(AnyObject),
  is_unsubscribed: Schema.optional(NullableBoolean),
  unsubscribed_client_id_map: Schema.optional(AnyObject)
})

/** A `campaigns` record (GET /campaigns). */
export const CampaignRecord = Schema.Struct({
  id: Schema.Int,
  user_id: Schema.optional(NullableInt),
  created_at: Schema.optional(DateTimeString),
  updated_at: Schema.optional(DateTimeString),
  status: Schema.optional(NullableString),
  name: Schema.optional(NullableString),
  track_settings: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
  scheduler_cron_value: Schema.optional(AnyObject),
  min_time_btwn_emails: Schema.optional(Schema.NullOr(Schema.Number)),
  max_leads_per_day: Schema.optional(Schema.NullOr(Schema.Number)),
  stop_lead_settings: Schema.optional(NullableString),
  schedule_start_time: Schema.optional(DateTimeString),
  enable_ai_esp_matching: Schema.optional(NullableBoolean),
  send_as_plain_text: Schema.optional(NullableBoolean),
  follow_up_percentage: Schema.optional(Schema.NullOr(Schema.Number)),
  unsubscribe_text: Schema.optional(NullableString),
  parent_campaign_id: Schema.optional(NullableInt),
  client_id: Schema.optional(NullableInt),
  tags: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({
    tag_id: Schema.optional(NullableInt),
    tag_name: Schema.optional(NullableString),
    tag_color: Schema.optional(NullableString)
  }))))
})

/** A `lead_categories` record (GET /leads/fetch-categories). */
export const LeadCategoryRecord = Schema.Struct({
  id: Schema.Int,
  name: Schema.optional(NullableString),
  sentiment_type: Schema.optional(NullableString),
  created_at: Schema.optional(DateTimeString)
})
