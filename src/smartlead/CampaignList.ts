/**
 * The campaigns a sync reads, shared by every per-campaign stream. With `campaign_ids` in the
 * config they are exactly those ids (deduplicated, in the configured order) and no request is
 * made: their status is then unknown, so nothing is skipped for being drafted. Without it they
 * are the account's campaigns from GET /campaigns, with their status, requested once per sync,
 * the first time a stream asks, and shared afterwards; a failure of that request is shared too,
 * so the streams that need the list fail alike rather than each retrying it. A campaign listed
 * twice is read once; one whose id is not a positive integer is skipped with a warning (and so
 * never written to state).
 */
import { Context, Effect, Layer } from "effect"
import { SmartLeadApi } from "./Api.js"
import type { ApiError } from "./Errors.js"

/** A campaign to read: its id, and its status (`ACTIVE`, `DRAFTED`, …) and `updated_at` where known. */
export interface Campaign {
  readonly id: number
  readonly status: string | undefined
  /** When the campaign was last edited (its `updated_at` as the list sends it). */
  readonly updatedAt?: string
}

export interface CampaignListShape {
  /** The campaigns to read; requested at most once. */
  readonly campaigns: Effect.Effect<ReadonlyArray<Campaign>, ApiError>
}

/** The campaigns of this sync. */
export class CampaignList extends Context.Tag("smartlead/CampaignList")<CampaignList, CampaignListShape>() {}

/** The list for the configured ids (none, or empty: every campaign of the account). */
export const make = (campaignIds: ReadonlyArray<number> | undefined) =>
  Effect.gen(function*() {
    if (campaignIds !== undefined && campaignIds.length > 0) {
      const configured = Array.from(new Set(campaignIds), (id): Campaign => ({ id, status: undefined }))
      return { campaigns: Effect.succeed(configured) } satisfies CampaignListShape
    }
    const api = yield* SmartLeadApi
    const campaigns = yield* Effect.cached(
      Effect.flatMap(api.listCampaigns, (list) => {
        const byId = new Map<number, Campaign>()
        const skipped: Array<string> = []
        for (const campaign of list) {
          const id = campaign["id"]
          if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
            skipped.push(JSON.stringify(id))
            continue
          }
          if (!byId.has(id)) {
            const updatedAt = campaign["updated_at"]
            byId.set(id, {
              id,
              status: typeof campaign["status"] === "string" ? campaign["status"] : undefined,
              ...(typeof updatedAt === "string" ? { updatedAt } : {})
            })
          }
        }
        const found = Array.from(byId.values())
        return skipped.length === 0 ? Effect.succeed(found) : Effect.as(
          Effect.logWarning(
            `Skipping ${skipped.length} campaign${skipped.length === 1 ? "" : "s"} whose id is not a number: ${
              skipped.slice(0, 5).join(", ")
            }`
          ),
          found
        )
      })
    )
    return { campaigns } satisfies CampaignListShape
  })

/** The list as a layer, for a config's `campaign_ids`. */
export const layer = (
  config: { readonly campaign_ids?: ReadonlyArray<number> | undefined }
): Layer.Layer<CampaignList, never, SmartLeadApi> => Layer.effect(CampaignList, make(config.campaign_ids))
