/**
 * The `leads` stream state and its rules. The state is
 * `{created_at, campaigns: {"<id>": {created_at, offset?}}}`: an entry without `offset` claims
 * every lead of its campaign created up to its cursor; one with `offset` claims only the first
 * `offset` rows of the query derived from its cursor. Without a `campaigns` map (a hand-written
 * state) the top-level cursor applies to every campaign; with one, a campaign missing from it
 * starts from `start_date`. Cursors keep the API's text and never move backwards; the top-level
 * cursor is the newest of them.
 */
import { Either } from "effect"
import type { JsonObject } from "../../airbyte/Protocol.js"

/** One campaign's position. */
export interface CampaignEntry {
  readonly created_at: string
  readonly offset?: number
}

/** The stream state. */
export interface LeadsState {
  readonly created_at: string
  readonly campaigns?: Readonly<Record<string, CampaignEntry>>
}

/** The cursor of a campaign that has none: before any lead. */
export const EPOCH = "1970-01-01T00:00:00.000Z"

const isInstant = (value: unknown): value is string => typeof value === "string" && !Number.isNaN(Date.parse(value))

/** Decodes a state object; `{}` is no state. Left names what is wrong. */
export const decode = (json: JsonObject): Either.Either<LeadsState | undefined, string> => {
  if (Object.keys(json).length === 0) return Either.right(undefined)
  if (!isInstant(json["created_at"])) {
    return Either.left(`created_at must be an ISO 8601 date-time, got ${JSON.stringify(json["created_at"])}`)
  }
  const campaigns = json["campaigns"]
  if (campaigns === undefined) return Either.right({ created_at: json["created_at"] })
  if (typeof campaigns !== "object" || campaigns === null || Array.isArray(campaigns)) {
    return Either.left("campaigns must be an object keyed by campaign id")
  }
  const entries: Record<string, CampaignEntry> = {}
  for (const [id, entry] of Object.entries(campaigns)) {
    if (!/^\d+$/.test(id)) return Either.left(`campaigns key ${JSON.stringify(id)} is not a campaign id`)
    if (typeof entry !== "object" || entry === null || !isInstant((entry as JsonObject)["created_at"])) {
      return Either.left(`campaigns.${id}.created_at must be an ISO 8601 date-time`)
    }
    const { created_at, offset } = entry as { created_at: string; offset?: unknown }
    if (offset !== undefined && (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0)) {
      return Either.left(`campaigns.${id}.offset must be a non-negative integer, got ${JSON.stringify(offset)}`)
    }
    entries[id] = offset === undefined ? { created_at } : { created_at, offset }
  }
  return Either.right({ created_at: json["created_at"], campaigns: entries })
}

/** The later of two instants, keeping the text of the winner (`a` on a tie). */
export const later = (a: string, b: string): string => (Date.parse(b) > Date.parse(a) ? b : a)

/** Where a campaign starts: its cursor (if any) and the rows of that query already emitted. */
export const startOf = (
  state: LeadsState | undefined,
  campaignId: number,
  startDate: string | undefined
): { readonly cursor: string | undefined; readonly offset: number } => {
  const entry = state?.campaigns === undefined ? (state ? { created_at: state.created_at } : undefined) : state.campaigns[campaignId]
  if (entry !== undefined) return { cursor: entry.created_at, offset: entry.offset ?? 0 }
  return { cursor: startDate, offset: 0 }
}

/** The `created_at_gt` sent for a cursor: the cursor less the lookback and 1 ms, so ties are re-read. */
export const queryCursor = (cursor: string, lookbackSeconds: number): string =>
  new Date(Date.parse(cursor) - lookbackSeconds * 1000 - 1).toISOString()

/** The state with the map filled in for every campaign, as a hand-written top-level cursor implied it. */
const materialize = (state: LeadsState | undefined, campaignIds: ReadonlyArray<number>): Required<LeadsState> => {
  if (state === undefined) return { created_at: EPOCH, campaigns: {} }
  if (state.campaigns !== undefined) return state as Required<LeadsState>
  return {
    created_at: state.created_at,
    campaigns: Object.fromEntries(campaignIds.map((id) => [String(id), { created_at: state.created_at }]))
  }
}

/** A campaign is part-way through its query: `offset` rows of it are emitted. */
export const withProgress = (
  state: LeadsState | undefined,
  campaignIds: ReadonlyArray<number>,
  campaignId: number,
  cursor: string | undefined,
  offset: number
): LeadsState => {
  const full = materialize(state, campaignIds)
  return { ...full, campaigns: { ...full.campaigns, [campaignId]: { created_at: cursor ?? EPOCH, offset } } }
}

/** A campaign is read to the end; its cursor becomes the newest `created_at` seen (never earlier than before). */
export const withCompleted = (
  state: LeadsState | undefined,
  campaignIds: ReadonlyArray<number>,
  campaignId: number,
  cursor: string | undefined,
  newest: string | undefined
): LeadsState => {
  const next = cursor === undefined ? newest : newest === undefined ? cursor : later(cursor, newest)
  if (state !== undefined && state.campaigns === undefined && next === state.created_at) return state
  const full = materialize(state, campaignIds)
  const campaigns = { ...full.campaigns }
  if (next === undefined) delete campaigns[campaignId]
  else campaigns[campaignId] = { created_at: next }
  return { created_at: next === undefined ? full.created_at : later(full.created_at, next), campaigns }
}

/** The state as the JSON object a STATE message carries. */
export const toJson = (state: LeadsState): JsonObject => state as unknown as JsonObject
