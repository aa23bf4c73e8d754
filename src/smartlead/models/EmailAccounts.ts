/**
 * `email_accounts` records: the sending mailboxes and their health, from
 * GET /email-accounts/?offset&limit, a bare array. Mailbox credentials never become part of a
 * record: `dropCredentials` removes every password, secret and token key from the parsed page
 * before anything else reads it. A record is the account with counts as integers and timestamps in
 * ISO 8601; the other fields the API sends (hosts, ports, signature, …) pass through.
 */
import { Either, Schema } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"
import { dropCredentials } from "../Credentials.js"
import type { Kinds } from "./Fields.js"
import { coerceFields, describeValue, isObject, notAnArray, optionalFields } from "./Fields.js"

/** The typed fields of an email account besides its `id`. */
export const ACCOUNT_FIELDS = {
  from_email: "string",
  from_name: "string",
  username: "string",
  type: "string",
  user_id: "int",
  message_per_day: "int",
  daily_sent_count: "int",
  minTimeToWaitInMins: "int",
  is_smtp_success: "boolean",
  is_imap_success: "boolean",
  smtp_failure_error: "string",
  imap_failure_error: "string",
  smtp_host: "string",
  smtp_port: "int",
  smtp_port_type: "string",
  is_different_imap_account: "boolean",
  imap_username: "string",
  imap_host: "string",
  imap_port: "int",
  imap_port_type: "string",
  different_reply_to_address: "string",
  signature: "string",
  custom_tracking_domain: "string",
  bcc_email: "string",
  is_suspended: "boolean",
  // the OpenAPI file's EmailAccount (an older shape; kept when an account sends them)
  warmup_enabled: "boolean",
  total_warmup_per_day: "int",
  daily_rampup: "int",
  max_email_per_day: "int",
  connection_status: "string",
  // OAuth details and custom headers hold tokens: dropCredentials removes those keys first
  oauth: "freeform",
  custom_headers: "list",
  warmup_details: {
    object: {
      status: "string",
      warmup_reputation: "string",
      total_sent_count: "int",
      total_spam_count: "int",
      reply_rate: "number",
      is_warmup_blocked: "boolean",
      blocked_reason: "string",
      warmup_key_id: "int",
      warmup_created_at: "datetime",
      provider: "freeform"
    }
  },
  client_id: "int",
  campaign_count: "int",
  tags: { arrayOf: { tag_id: "int", tag_name: "string", tag_color: "string" } },
  created_at: "datetime",
  updated_at: "datetime"
} as const satisfies Kinds

const FIELDS = { id: "int", ...ACCOUNT_FIELDS } as const satisfies Kinds

/** An `email_accounts` record. */
export const EmailAccountRecord = Schema.Struct({
  id: Schema.Int,
  ...optionalFields(ACCOUNT_FIELDS)
})

/** Decodes a page of email accounts (parsed JSON), credentials dropped first; Left says why the body is unusable. */
export const decodeEmailAccountsPage = (body: unknown): Either.Either<Array<JsonObject>, string> => {
  dropCredentials(body)
  if (!Array.isArray(body)) {
    return Either.left(notAnArray("email accounts", body))
  }
  for (let index = 0; index < body.length; index++) {
    const account: unknown = body[index]
    if (!isObject(account)) return Either.left(`email account ${index} is ${describeValue(account)}, not an object`)
    const problem = coerceFields(account, FIELDS)
    if (problem !== undefined) return Either.left(`email account ${index}: ${problem}`)
    if (account["id"] === undefined || account["id"] === null) return Either.left(`email account ${index} has no id`)
  }
  return Either.right(body as Array<JsonObject>)
}
