/**
 * SmartLead's campaigns as the runner's partitions: what every per-campaign stream shares. A
 * campaign that fails (after the client's retries: a 404 for a deleted campaign, say) is set
 * aside while the others are read, and a rejected key (401/403) stops the stream at once
 * (`failures`). `incremental` declares a per-campaign incremental stream (`leads`,
 * `campaign_statistics`) as data: its page fetch, key, schema and settings; the runner's
 * `Partitioned` reader does the rest. `oneRequestPerCampaign` is the full-refresh counterpart
 * for streams that make one GET per campaign (`campaign_analytics`, `campaign_sequences`).
 */
import type { Either, Schema, Scope } from "effect"
import { Effect, Stream } from "effect"
import * as Cursor from "../airbyte/Cursor.js"
import * as Instant from "../airbyte/Instant.js"
import type { Page } from "../airbyte/Paginator.js"
import * as Partitioned from "../airbyte/Partitioned.js"
import type { JsonObject, SyncMode } from "../airbyte/Protocol.js"
import type { SourceStream } from "../airbyte/Source.js"
import { checkpointEveryBatch, defineStream, estimate, records } from "../airbyte/Source.js"
import type { SmartLeadApiShape } from "./Api.js"
import { SmartLeadApi } from "./Api.js"
import type { Campaign } from "./CampaignList.js"
import { CampaignList } from "./CampaignList.js"
import type { Config } from "./Config.js"
import type { ApiError, SmartLeadError } from "./Errors.js"
import { describe, InvalidResponse } from "./Errors.js"

/** How a per-campaign stream treats a failed campaign: a rejected key stops everything. */
export const failures: Partitioned.FailurePolicy<ApiError> = {
  isFatal: (error) => error._tag === "Unauthorized",
  describe
}

/** Campaigns read at once for a config's rate limit. */
export const concurrency = (config: Config, campaigns: number): number =>
  Partitioned.concurrencyFor(config.max_requests_per_second, campaigns)

/** Where every per-campaign state keeps its partitions. */
const PARTITIONS = "campaigns"

/** A per-campaign incremental stream, as data. */
export interface IncrementalStream {
  readonly name: string
  readonly description: string
  /** The record schema, from which the discovered JSON Schema is built on first use. */
  readonly schema: Schema.Schema<any, any, never>
  readonly primaryKey: ReadonlyArray<ReadonlyArray<string>>
  /** CSV columns for shell exports. */
  readonly columns: ReadonlyArray<string>
  /** The cursor field: a record field, and the cursor's key in state. */
  readonly cursorField: string
  /** A row's identity within its campaign. */
  readonly keyOf: (row: JsonObject) => unknown
  /** The stream's settings beyond the shared ones (see `Partitioned.Settings`). */
  readonly settings: (config: Config) => {
    readonly pageSize: number
    readonly lookbackMs: number
    readonly reconcileMs?: number
    readonly sweep?: boolean
    readonly dropBeforeFrom: boolean
  }
  /** The campaigns to read, of those the sync lists (drafted ones skipped, say). */
  readonly campaigns?: (all: ReadonlyArray<Campaign>) => Effect.Effect<ReadonlyArray<Campaign>>
  /** Builds the page fetch once per sync (it may start work, e.g. category names, in the sync's scope). */
  readonly pages: (
    api: SmartLeadApiShape,
    config: Config
  ) => Effect.Effect<
    {
      readonly fetch: (
        campaignId: number,
        query: Partitioned.Query,
        offset: number,
        limit: number
      ) => Effect.Effect<Page, ApiError>
      readonly enrich?: (rows: Array<JsonObject>) => Effect.Effect<void>
    },
    never,
    SmartLeadApi | Scope.Scope
  >
  /** What a missing activity filter means for this stream's users, for the WARN. */
  readonly sweepFallback?: string
}

/** The `SourceStream` of a per-campaign incremental stream. */
export const incremental = (
  declared: IncrementalStream
): SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList, Cursor.State | undefined> => {
  const keys: Cursor.Keys = { cursor: declared.cursorField, partitions: PARTITIONS }
  const supportedSyncModes: ReadonlyArray<SyncMode> = ["full_refresh", "incremental"]
  return defineStream({
    name: declared.name,
    description: declared.description,
    schema: declared.schema,
    supportedSyncModes,
    primaryKey: declared.primaryKey,
    columns: declared.columns,
    cursorField: [declared.cursorField],
    decodeState: (json) => Cursor.decode(keys, json),
    read: ({ config, state }) =>
      Stream.unwrapScoped(Effect.gen(function*() {
        const api = yield* SmartLeadApi
        const list = yield* CampaignList
        const { enrich, fetch } = yield* declared.pages(api, config)
        const settings = declared.settings(config)
        const listed = yield* list.campaigns
        const campaigns = declared.campaigns === undefined ? listed : yield* declared.campaigns(listed)
        return Partitioned.incremental<ApiError, never>({
          name: declared.name,
          keys,
          keyOf: declared.keyOf,
          partitions: Effect.succeed(campaigns.map((campaign) => String(campaign.id))),
          fetch: (id, query, offset, limit) => fetch(Number(id), query, offset, limit),
          settings: {
            pageSize: settings.pageSize,
            concurrency: concurrency(config, campaigns.length),
            startDate: config.start_date === undefined ? undefined : Instant.parse(config.start_date),
            lookbackMs: settings.lookbackMs,
            reconcileMs: settings.reconcileMs,
            sweep: settings.sweep ?? false,
            dropBeforeFrom: settings.dropBeforeFrom,
            checkpointIntervalMs: config.checkpoint_interval_seconds * 1000
          },
          failures,
          offsetIgnored: (id, offset) =>
            new InvalidResponse({
              request: `GET ${declared.name} of campaign ${id} (offset ${offset})`,
              detail:
                "the API answered the same page as at the previous offset, and again far past the end (it ignores offset); stopping rather than looping"
            }),
          ...(enrich === undefined ? {} : { enrich }),
          requestCount: api.requestCount,
          noun: "campaign",
          ...(declared.sweepFallback === undefined ? {} : { sweepFallback: declared.sweepFallback })
        }, state)
      }))
  })
}

/**
 * A full-refresh stream that makes one GET per campaign of the `CampaignList`
 * (`campaign_analytics`, `campaign_sequences`), as data: the body decoded into the campaign's
 * records.
 */
export const oneRequestPerCampaign = (declared: {
  readonly name: string
  readonly description: string
  readonly schema: Schema.Schema<any, any, never>
  readonly primaryKey: ReadonlyArray<ReadonlyArray<string>>
  readonly columns: ReadonlyArray<string>
  readonly path: (campaignId: number) => string
  readonly decode: (json: unknown, campaignId: number) => Either.Either<Array<JsonObject>, string>
  /** Rows each campaign answers, when that is fixed: the stream then starts with a row ESTIMATE. */
  readonly rowsPerCampaign?: number
}): SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList> =>
  defineStream({
    name: declared.name,
    description: declared.description,
    schema: declared.schema,
    supportedSyncModes: ["full_refresh"],
    primaryKey: declared.primaryKey,
    columns: declared.columns,
    read: ({ config }) =>
      Stream.unwrap(
        Effect.gen(function*() {
          const api = yield* SmartLeadApi
          const campaigns = yield* Effect.flatMap(CampaignList, (list) => list.campaigns)
          const rows = (declared.rowsPerCampaign ?? 0) * campaigns.length
          return checkpointEveryBatch(Stream.concat(
            rows > 0 ? Stream.make(estimate(rows)) : Stream.empty,
            Partitioned.readPartitions({
              stream: declared.name,
              partitions: campaigns,
              idOf: (campaign) => String(campaign.id),
              concurrency: concurrency(config, campaigns.length),
              failures,
              noun: "campaign",
              read: (campaign) =>
                Stream.fromEffect(
                  api.get(declared.path(campaign.id), {}, (json) => declared.decode(json, campaign.id))
                ).pipe(
                  Stream.filter((rows) => rows.length > 0),
                  Stream.map(records)
                )
            })
          ))
        })
      )
  })
