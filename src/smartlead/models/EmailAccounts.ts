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
  type: "string",
  user_id: "int",
  message_per_day: "int",
  daily_sent_count: "int",
  is_smtp_success: "boolean",
  is_imap_success: "boolean",
  smtp_failure_error: "string",
  imap_failure_error: "string",
  smtp_host: "string",
  smtp_port: "int",
  imap_host: "string",
  imap_port: "int",
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
      warmup_created_at: "datetime"
    }
  },
  client_id: "int",
  campaign_count: "int",
  tags: "list",
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
