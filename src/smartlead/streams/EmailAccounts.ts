/**
 * The `email_accounts` stream: every sending mailbox of the account and its health (connection
 * status, daily volume, warmup), from GET /email-accounts/ in pages of 100 (the API's maximum),
 * until a short page. Full refresh. Credentials are dropped by the decoder (see `Credentials`).
 */
import { Effect, Option, Stream } from "effect"
import { lazyFromSchema } from "../../airbyte/JsonSchema.js"
import type { SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, records } from "../../airbyte/Source.js"
import { display, SmartLeadApi } from "../Api.js"
import type { Config } from "../Config.js"
import type { SmartLeadError } from "../Errors.js"
import { InvalidResponse } from "../Errors.js"
import { decodeEmailAccountsPage, EmailAccountRecord } from "../models/EmailAccounts.js"

/** The stream's name. */
export const NAME = "email_accounts"

/** Accounts per request: the API allows at most 100. */
export const PAGE_SIZE = 100

const PATH = "/email-accounts/"

const read = (): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi> =>
  Stream.unwrap(
    Effect.map(SmartLeadApi, (api) =>
      checkpointEveryBatch(
        Stream.paginateEffect({ offset: 0, first: undefined as unknown }, ({ first, offset }) => {
          const params = { offset: String(offset), limit: String(PAGE_SIZE) }
          return Effect.flatMap(api.get(PATH, params, decodeEmailAccountsPage), (accounts) => {
            const head = accounts.length > 0 ? accounts[0]!["id"] : undefined
            if (head !== undefined && head === first) {
              return Effect.fail(
                new InvalidResponse({
                  request: display(PATH, params),
                  detail: "the API answered the previous page again (it ignores offset); stopping rather than looping"
                })
              )
            }
            const done = accounts.length < PAGE_SIZE
            const next = done ? Option.none() : Option.some({ offset: offset + accounts.length, first: head })
            return Effect.as(
              Effect.logDebug(
                `${NAME}: ${accounts.length} accounts at offset ${offset}${done ? " (the last page)" : ""}`
              ),
              [accounts, next] as const
            )
          })
        }).pipe(Stream.filter((accounts) => accounts.length > 0), Stream.map(records))
      ))
  )

const emailAccountRecordJsonSchema = lazyFromSchema(EmailAccountRecord)

/** The `email_accounts` stream. */
export const emailAccounts: SourceStream<Config, SmartLeadError, SmartLeadApi> = {
  name: NAME,
  get jsonSchema() {
    return emailAccountRecordJsonSchema()
  },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  read
}
