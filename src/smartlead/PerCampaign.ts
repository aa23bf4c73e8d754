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
import { checkpointEveryBatch, defineStream } from "../airbyte/Source.js"
import type * as Tiers from "../airbyte/Tiers.js"
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

/** Statuses of campaigns that no longer send, read on the slow clock (`inactive_campaign_interval_hours`). */
const INACTIVE = new Set(["PAUSED", "COMPLETED", "STOPPED", "ARCHIVED"])

/**
 * The campaigns of a sync as partitions of the runner's engine: ACTIVE ones (and any whose status
 * is unknown or new) are read every sync, inactive ones on the slow clock, drafted ones as
 * `drafted` says and without a sweep (they have sent nothing, so they have no activity). With
 * `inactive_campaign_interval_hours` 0 the engine reads every campaign every sync, and drafted
 * ones are swept as any other (those of cadence `never` still have nothing to read).
 */
const partitionsOf = (
  campaigns: ReadonlyArray<Campaign>,
  drafted: Tiers.Cadence,
  config: Config
): Array<Tiers.Partition> =>
  campaigns.map(({ id, status }) => ({
    id: String(id),
    cadence: status === "DRAFTED" ? drafted : status !== undefined && INACTIVE.has(status) ? "interval" : "sync",
    ...(status === undefined ? {} : { label: status }),
    ...(status === "DRAFTED" && config.inactive_campaign_interval_hours > 0 ? { sweep: false } : {})
  }))

const HOUR_MS = 3_600_000

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
    /** The lookback is re-read on this slow clock rather than every sync (see `Partitioned.Settings.refreshMs`). */
    readonly refreshMs?: number
  }
  /** What a drafted campaign costs: `never` (nothing sent, nothing to read) or `interval`. */
  readonly drafted: Tiers.Cadence
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
        const campaigns = yield* list.campaigns
        return Partitioned.incremental<ApiError, never>({
          name: declared.name,
          keys,
          keyOf: declared.keyOf,
          partitions: Effect.succeed(partitionsOf(campaigns, declared.drafted, config)),
          fetch: (id, query, offset, limit) => fetch(Number(id), query, offset, limit),
          settings: {
            pageSize: settings.pageSize,
            concurrency: concurrency(config, campaigns.length),
            startDate: config.start_date === undefined ? undefined : Instant.parse(config.start_date),
            lookbackMs: settings.lookbackMs,
            reconcileMs: settings.reconcileMs,
            sweep: settings.sweep ?? false,
            dropBeforeFrom: settings.dropBeforeFrom,
            checkpointIntervalMs: config.checkpoint_interval_seconds * 1000,
            intervalMs: config.inactive_campaign_interval_hours * HOUR_MS,
            refreshMs: settings.refreshMs
          },
          failures,
          offsetIgnored: (id, offset) =>
            new InvalidResponse({
              request: `GET ${declared.name} of campaign ${id} (offset ${offset})`,
              detail:
                "the API answered the same page as at the previous offset, and again far past the end (it ignores offset); stopping rather than looping"
            }),
          ...(enrich === undefined ? {} : { enrich }),
          noun: "campaign",
          ...(declared.sweepFallback === undefined ? {} : { sweepFallback: declared.sweepFallback })
        }, state)
      }))
  })
}

/** The field every snapshot row carries: the start of the sync that fetched it (its cursor). */
export const FETCHED_AT = "fetched_at"

/** A short, stable digest of a text (a campaign's `updated_at`), so a label stays small in state. */
const digest = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}

/**
 * A stream that makes one GET per campaign of the `CampaignList` (`campaign_analytics`,
 * `campaign_sequences`), as data: the body decoded into the campaign's records, each stamped
 * with `fetched_at`. A full refresh fetches every campaign; an incremental read (for a
 * destination that keeps the newest row per key) fetches ACTIVE campaigns every sync, inactive
 * ones once per `inactive_campaign_interval_hours`, a campaign whose status changed at once, and
 * drafted ones as `drafted` says; or, with `changesWithEdits`, every campaign once per the
 * interval it gives and at once when the campaign's status or `updated_at` changed.
 */
export const oneRequestPerCampaign = (declared: {
  readonly name: string
  readonly description: string
  readonly schema: Schema.Schema<any, any, never>
  readonly primaryKey: ReadonlyArray<ReadonlyArray<string>>
  readonly columns: ReadonlyArray<string>
  readonly path: (campaignId: number) => string
  readonly decode: (json: unknown, campaignId: number) => Either.Either<Array<JsonObject>, string>
  readonly drafted: Tiers.Cadence
  /**
   * What the snapshot changes with is an edit of the campaign, not sending (a sequence's steps):
   * every campaign on this slow clock (hours; 0: every sync), and read at once when its
   * `updated_at` (or status) changed.
   */
  readonly changesWithEdits?: { readonly intervalHours: (config: Config) => number }
  /** Rows each campaign answers, when that is fixed: the stream then starts with a row ESTIMATE. */
  readonly rowsPerCampaign?: number
}): SourceStream<Config, SmartLeadError, SmartLeadApi | CampaignList, Cursor.State | undefined> => {
  const keys: Cursor.Keys = { cursor: FETCHED_AT, partitions: PARTITIONS }
  return defineStream({
    name: declared.name,
    description: declared.description,
    schema: declared.schema,
    supportedSyncModes: ["full_refresh", "incremental"],
    primaryKey: declared.primaryKey,
    columns: declared.columns,
    cursorField: [FETCHED_AT],
    decodeState: (json) => Cursor.decode(keys, json),
    read: ({ config, state, syncMode }) =>
      Stream.unwrap(
        Effect.gen(function*() {
          const api = yield* SmartLeadApi
          const campaigns = yield* Effect.flatMap(CampaignList, (list) => list.campaigns)
          const incremental = syncMode === "incremental"
          const edits = declared.changesWithEdits
          const events = Partitioned.snapshots(
            {
              name: declared.name,
              keys,
              partitions: edits === undefined
                ? partitionsOf(campaigns, declared.drafted, config)
                : campaigns.map((campaign): Tiers.Partition => ({
                  id: String(campaign.id),
                  cadence: "interval",
                  label: `${campaign.status ?? ""}@${
                    campaign.updatedAt === undefined ? "" : digest(campaign.updatedAt)
                  }`
                })),
              fetch: (id) => api.get(declared.path(Number(id)), {}, (json) => declared.decode(json, Number(id))),
              concurrency: concurrency(config, campaigns.length),
              intervalMs:
                (edits === undefined ? config.inactive_campaign_interval_hours : edits.intervalHours(config)) *
                HOUR_MS,
              checkpointIntervalMs: config.checkpoint_interval_seconds * 1000,
              failures,
              noun: "campaign",
              ...(declared.rowsPerCampaign === undefined ? {} : { rowsPerPartition: declared.rowsPerCampaign })
            },
            incremental ? state : undefined,
            incremental
          )
          return incremental ? events : checkpointEveryBatch(events)
        })
      )
  })
}
