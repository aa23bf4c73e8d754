/**
 * The campaigns a per-campaign stream reads: the `campaign_ids` config, or every campaign that
 * GET /campaigns lists. Ids are read once each (an id listed twice is read once) and an id that
 * is not a positive integer is skipped with a warning, never written to state.
 */
import { Effect } from "effect"
import { SmartLeadApi } from "./Api.js"
import type { Config } from "./Config.js"

/** The campaign ids to read for a config. */
export const campaignIds = (config: Config) =>
  config.campaign_ids !== undefined && config.campaign_ids.length > 0
    ? Effect.succeed(Array.from(new Set(config.campaign_ids)) as ReadonlyArray<number>)
    : Effect.gen(function*() {
      const api = yield* SmartLeadApi
      const campaigns = yield* api.listCampaigns
      const ids = new Set<number>()
      const skipped: Array<string> = []
      for (const campaign of campaigns) {
        const id = campaign["id"]
        if (typeof id === "number" && Number.isSafeInteger(id) && id > 0) ids.add(id)
        else skipped.push(JSON.stringify(id))
      }
      if (skipped.length > 0) {
        yield* Effect.logWarning(`Skipping ${skipped.length} campaign${skipped.length === 1 ? "" : "s"} whose id is not a number: ${skipped.slice(0, 5).join(", ")}`)
      }
      return Array.from(ids) as ReadonlyArray<number>
    })
