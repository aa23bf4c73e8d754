/**
 * How a stream reads campaign by campaign: each campaign's events come from its own reader, as
 * many campaigns at once as the rate limit can keep busy, merged into the stream. A campaign
 * that fails (after the client's retries: a 404 for a deleted campaign, say) is logged and set
 * aside while the others are read; the stream then fails with `CampaignsFailed` naming it. A
 * rejected key (401/403) stops the stream at once: no other campaign can succeed.
 */
import type { Either } from "effect"
import { Chunk, Effect, Stream } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"
import type { StreamEvent } from "../../airbyte/Source.js"
import { checkpointEveryBatch, records } from "../../airbyte/Source.js"
import { SmartLeadApi } from "../Api.js"
import type { Campaign } from "../CampaignList.js"
import { CampaignList } from "../CampaignList.js"
import type { Config } from "../Config.js"
import type { ApiError, SmartLeadError } from "../Errors.js"
import { CampaignsFailed, describe } from "../Errors.js"

/**
 * Campaigns read at once: enough to keep `perSecond` requests in flight for answers taking up to
 * ~0.5 s, at least 2 (one page parsed while the next is fetched), at most 8 (more only holds more
 * pages in memory).
 */
export const concurrencyFor = (perSecond: number, campaigns: number): number =>
  Math.max(1, Math.min(campaigns, 8, Math.max(2, Math.ceil(perSecond / 2))))

/** Reads `campaigns` with `read`, concurrently; fails at the end naming the campaigns that failed. */
export const readCampaigns = <R>(options: {
  readonly stream: string
  readonly campaigns: ReadonlyArray<Campaign>
  readonly requestsPerSecond: number
  readonly read: (campaign: Campaign) => Stream.Stream<StreamEvent, ApiError, R>
}): Stream.Stream<StreamEvent, SmartLeadError, R> =>
  Stream.suspend(() => {
    const { campaigns, stream } = options
    const failures: Array<{ readonly campaignId: number; readonly error: ApiError }> = []
    const readers = campaigns.map((campaign) =>
      options.read(campaign).pipe(
        Stream.catchAll((error) =>
          error._tag === "Unauthorized"
            ? Stream.fail(error)
            : Stream.execute(
              Effect.zipRight(
                Effect.sync(() => failures.push({ campaignId: campaign.id, error })),
                Effect.logWarning(
                  `${stream}: campaign ${campaign.id} could not be read (the others are read on): ${describe(error)}`
                )
              )
            )
        )
      )
    )
    const concurrency = concurrencyFor(options.requestsPerSecond, campaigns.length)
    const merged = concurrency === 1
      ? Stream.concatAll(Chunk.fromIterable(readers))
      : Stream.mergeAll(readers, { concurrency, bufferSize: 1 })
    const end = Effect.suspend(() =>
      failures.length > 0 ? Effect.fail(new CampaignsFailed({ failures: [...failures], stream })) : Effect.void
    )
    return Stream.concat(merged, Stream.execute(end))
  })

/**
 * The `read` of a full-refresh stream that makes one GET per campaign of the `CampaignList`
 * (`campaign_analytics`, `campaign_sequences`): the body decoded into the campaign's records.
 */
export const oneRequestPerCampaign = (options: {
  readonly stream: string
  readonly path: (campaignId: number) => string
  readonly decode: (json: unknown, campaignId: number) => Either.Either<Array<JsonObject>, string>
}) =>
(config: Config): Stream.Stream<StreamEvent, SmartLeadError, SmartLeadApi | CampaignList> =>
  Stream.unwrap(
    Effect.gen(function*() {
      const api = yield* SmartLeadApi
      const campaigns = yield* Effect.flatMap(CampaignList, (list) => list.campaigns)
      return checkpointEveryBatch(readCampaigns({
        stream: options.stream,
        campaigns,
        requestsPerSecond: config.max_requests_per_second,
        read: (campaign) =>
          Stream.fromEffect(api.get(options.path(campaign.id), {}, (json) => options.decode(json, campaign.id))).pipe(
            Stream.filter((rows) => rows.length > 0),
            Stream.map(records)
          )
      }))
    })
  )
