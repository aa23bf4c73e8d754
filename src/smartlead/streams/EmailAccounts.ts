/**
 * The `email_accounts` stream: every sending mailbox of the account and its health (connection
 * status, daily volume, warmup), from GET /email-accounts/ in pages of 100 (the API's maximum),
 * with the runner's offset paginator, without overlap (a mailbox list is
 * short and rarely changes during a read), which stops a server that ignores offset. Full refresh. Credentials are dropped by the decoder (see `Credentials`).
 */
import { Effect, Stream } from "effect"
import { KeySet } from "../../airbyte/KeySet.js"
import { paginate } from "../../airbyte/Paginator.js"
import type { SourceStream, StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, defineStream, records } from "../../airbyte/Source.js"
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

const params = (offset: number, limit: number) => ({ offset: String(offset), limit: String(limit) })

const read = (): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi> =>
  Stream.unwrap(
    Effect.map(SmartLeadApi, (api) =>
      checkpointEveryBatch(
        paginate({
          fetch: (offset, limit) =>
            api.get(PATH, params(offset, limit), decodeEmailAccountsPage).pipe(
              Effect.tap((rows) =>
                Effect.logDebug(
                  `${NAME}: ${rows.length} accounts at offset ${offset}${rows.length < limit ? " (the last page)" : ""}`
                )
              ),
              Effect.map((rows) => ({ rows }))
            ),
          keyOf: (row) => row["id"],
          pageSize: PAGE_SIZE,
          startOffset: 0,
          // A mailbox list is read in one go and rarely changes under it: no overlap.
          overlap: 0,
          seen: new KeySet(),
          maxRestarts: 3,
          offsetIgnored: (offset) =>
            new InvalidResponse({
              request: display(PATH, params(offset, PAGE_SIZE)),
              detail:
                "the API answered the same page as at the previous offset, and again far past the end (it ignores offset); stopping rather than looping"
            })
        }).pipe(
          Stream.filter((page) => page.rows.length > 0),
          Stream.map((page) => records(page.rows))
        )
      ))
  )

/** The `email_accounts` stream. */
export const emailAccounts: SourceStream<Config, SmartLeadError, SmartLeadApi> = defineStream({
  name: NAME,
  description: "one row per sending mailbox and its health (GET /email-accounts/)",
  schema: EmailAccountRecord,
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["id"]],
  columns: [
    "id",
    "from_email",
    "from_name",
    "type",
    "message_per_day",
    "daily_sent_count",
    "is_smtp_success",
    "is_imap_success",
    "warmup_details.status",
    "warmup_details.warmup_reputation"
  ],
  read
})
