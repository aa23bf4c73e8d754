/**
 * `campaign_sequences` records: one per step of a campaign's sequence, from
 * GET /campaigns/{id}/sequences, a bare array of `{id, email_campaign_id, seq_number, subject,
 * email_body, seq_delay_details:{delayInDays}, sequence_variants:[{id, variant_label, subject,
 * email_body}]}`. Some accounts name the variants `seq_variants`: the record always calls them
 * `sequence_variants`. A record is the step with `campaign_id` added, so that statistics rows
 * join on (`campaign_id`, `sequence_number` = `seq_number`) and `seq_variant_id` = a variant's `id`.
 * SmartLead's docs show the same bare array without variants and with `delay_in_days`; such steps
 * are read as they are.
 */
import { Either, Schema } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { Kinds } from "./Fields.js"
import { coerceFields, describeValue, isObject, notAnArray, optionalFields } from "./Fields.js"

/** The typed fields of an A/B variant of a step. */
export const VARIANT_FIELDS = {
  id: "int",
  email_campaign_seq_id: "int",
  variant_label: "string",
  subject: "string",
  email_body: "string",
  variant_distribution_percentage: "number",
  is_deleted: "boolean",
  created_at: "datetime",
  updated_at: "datetime"
} as const satisfies Kinds

/** The typed fields of a sequence step besides its `id` (other fields the API sends pass through). */
export const STEP_FIELDS = {
  created_at: "datetime",
  updated_at: "datetime",
  email_campaign_id: "int",
  seq_number: "int",
  subject: "string",
  email_body: "string",
  seq_delay_details: { object: { delayInDays: "int", delay_in_days: "int" } },
  sequence_variants: { arrayOf: VARIANT_FIELDS }
} as const satisfies Kinds

const FIELDS = { id: "int", ...STEP_FIELDS } as const satisfies Kinds

/** A `campaign_sequences` record. */
export const CampaignSequenceRecord = Schema.Struct({
  campaign_id: Schema.Int,
  id: Schema.Int,
  ...optionalFields(STEP_FIELDS),
  // the start of the sync that fetched the snapshot (the incremental cursor)
  ...optionalFields({ fetched_at: "datetime" })
})

/** Decodes a campaign's sequence (parsed JSON) into its step records, in place; Left says why the body is unusable. */
export const decodeCampaignSequences = (
  body: unknown,
  campaignId: number
): Either.Either<Array<JsonObject>, string> => {
  if (!Array.isArray(body)) {
    return Either.left(notAnArray("sequence steps", body))
  }
  for (let index = 0; index < body.length; index++) {
    const step: unknown = body[index]
    if (!isObject(step)) return Either.left(`step ${index} is ${describeValue(step)}, not an object`)
    if (step["id"] === undefined || step["id"] === null) return Either.left(`step ${index} has no id`)
    if ("seq_variants" in step) {
      if (step["sequence_variants"] === undefined || step["sequence_variants"] === null) {
        step["sequence_variants"] = step["seq_variants"]
      }
      delete step["seq_variants"]
    }
    const problem = coerceFields(step, FIELDS)
    if (problem !== undefined) return Either.left(`step ${index}: ${problem}`)
    if (step["id"] === null) return Either.left(`step ${index} has no id`)
    step["campaign_id"] = campaignId
  }
  return Either.right(body as Array<JsonObject>)
}
