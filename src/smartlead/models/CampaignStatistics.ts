/**
 * `campaign_statistics` records: one per email sent, from GET /campaigns/{id}/statistics. The
 * live API answers `{total_stats:"42", offset, limit, data:[{stats_id, lead_email,
 * sequence_number, seq_variant_id, sent_time, open_count, …}]}`: counts often as strings,
 * `stats_id` a number on some accounts and a string on others. A record is the row with
 * `campaign_id` added, counts as integers, `stats_id` as a string, timestamps in ISO 8601, and
 * without `email_message` unless the config asks for it. SmartLead's docs show two other shapes
 * for this endpoint (a per-step summary `{ok, data:[{sent, opened, …}]}` and a campaign summary
 * `{success, data:{…}}`); neither is what accounts return, and both are refused by name.
 */
import { Either, Schema } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { Kinds } from "./Fields.js"
import { coerceFields, describeValue, isObject, optionalFields } from "./Fields.js"

/** The cursor field of incremental statistics. */
export const CURSOR_FIELD = "sent_time"

/** The field holding the sent email's HTML, left out unless `statistics_include_email_body`. */
export const EMAIL_BODY_FIELD = "email_message"

/** The typed fields of a statistics row (other fields the API sends pass through). */
export const ROW_FIELDS = {
  lead_id: "int",
  lead_name: "string",
  lead_email: "string",
  lead_category: "string",
  sequence_number: "int",
  email_campaign_seq_id: "int",
  seq_variant_id: "int",
  email_subject: "string",
  sent_time: "datetime",
  open_time: "datetime",
  click_time: "datetime",
  reply_time: "datetime",
  open_count: "int",
  click_count: "int",
  is_unsubscribed: "boolean",
  is_bounced: "boolean",
  ignore_reply: "boolean"
} as const satisfies Kinds

const WITH_BODY = { ...ROW_FIELDS, [EMAIL_BODY_FIELD]: "string" } as const satisfies Kinds

/** A `campaign_statistics` record with the email body (`statistics_include_email_body`). */
export const CampaignStatisticsRecordWithBody = Schema.Struct({
  campaign_id: Schema.Int,
  stats_id: Schema.String,
  ...optionalFields(WITH_BODY)
})

/** One page of a campaign's statistics: its records, and the campaign's row count if the API said. */
export interface StatisticsPage {
  readonly rows: Array<JsonObject>
  readonly total: number | undefined
}

const DOCUMENTED_SUMMARY_KEYS = ["sent", "opened", "clicked", "replied"]

const keysOf = (body: Record<string, unknown>): string => {
  const keys = Object.keys(body)
  return keys.length === 0 ? "{}" : `keys ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}`
}

const readTotal = (value: unknown): number | undefined | string => {
  if (value === null) return undefined
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value)
  return `total_stats must be a whole number, got ${describeValue(value)}`
}

/**
 * Decodes a statistics page (parsed JSON) into records for `campaignId`, in place; Left says why
 * the body is unusable. `includeBody` keeps `email_message`.
 */
export const decodeStatisticsPage = (
  body: unknown,
  campaignId: number,
  includeBody: boolean
): Either.Either<StatisticsPage, string> => {
  if (!isObject(body)) {
    return Either.left(`expected a statistics page {total_stats, offset, limit, data:[…]}, got ${describeValue(body)}`)
  }
  const data = body["data"]
  if (isObject(data)) {
    return Either.left(
      `data is an object (${
        keysOf(data)
      }), SmartLead's documented campaign summary; the live API answers {total_stats, data:[…]} with one row per email sent`
    )
  }
  if (!Array.isArray(data)) return Either.left(`a statistics page needs a data array; got ${keysOf(body)}`)
  if (!("total_stats" in body)) {
    const documented = data.length === 0 || (isObject(data[0]) && DOCUMENTED_SUMMARY_KEYS.some((key) => key in data[0]))
    return Either.left(
      documented
        ? `no total_stats: this is SmartLead's documented per-step summary (${
          keysOf(body)
        }), not the per-email rows the live API answers`
        : `a statistics page needs total_stats; got ${keysOf(body)}`
    )
  }
  const total = readTotal(body["total_stats"])
  if (typeof total === "string") return Either.left(total)
  for (let index = 0; index < data.length; index++) {
    const row: unknown = data[index]
    if (!isObject(row)) return Either.left(`row ${index} is ${describeValue(row)}, not an object`)
    const id = row["stats_id"]
    if (id === undefined || id === null || id === "") {
      const summary = DOCUMENTED_SUMMARY_KEYS.some((key) => key in row)
      return Either.left(
        `row ${index} has no stats_id${
          summary ? " (it is a documented per-step summary row with sent, opened, …, not an email)" : ""
        }`
      )
    }
    if (typeof id !== "string" && typeof id !== "number") {
      return Either.left(`row ${index}: stats_id must be a string or a number, got ${describeValue(id)}`)
    }
    // undefined rather than `delete` (which makes a row a slow dictionary object): JSON leaves it out
    if (!includeBody && EMAIL_BODY_FIELD in row) row[EMAIL_BODY_FIELD] = undefined
    const problem = coerceFields(row, includeBody ? WITH_BODY : ROW_FIELDS)
    if (problem !== undefined) return Either.left(`row ${index}: ${problem}`)
    row["stats_id"] = String(id)
    row["campaign_id"] = campaignId
  }
  return Either.right({ rows: data as Array<JsonObject>, total })
}
