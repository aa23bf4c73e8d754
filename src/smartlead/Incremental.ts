/**
 * The engine of every per-campaign incremental stream (`leads`, `campaign_statistics`): a stream
 * is configuration (its page fetcher, cursor field, key, lookback, and whether it reconciles and
 * sweeps) and this module does the rest with the cursor rules of `Cursor` and the loss-proof
 * paging of `Paginator`. Campaigns are read concurrently, as many at once as the rate limit can
 * keep busy; their pages merge into one sequence that checkpoints after every page, so a STATE
 * never claims a row not yet written. Each campaign's main pass resumes, restarts, reconciles or
 * reads on from its cursor as `Cursor.plan` says; an activity sweep may follow. Cursor values
 * are normalised to ISO 8601 UTC in the records; text that is no date-time is emitted but never
 * becomes a cursor. A campaign that fails (after retries) does not stop the others: the stream
 * ends with the failures once the rest are read. A rejected key stops everything at once.
 */
import { Chunk, Effect, Schedule, Stream } from "effect"
import * as Cursor from "../airbyte/Cursor.js"
import * as Instant from "../airbyte/Instant.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import type { ReadContext, StreamEvent } from "../airbyte/Source.js"
import { checkpoint, estimate, records } from "../airbyte/Source.js"
import { SmartLeadApi } from "./Api.js"
import type { Config } from "./Config.js"
import type { ApiError, SmartLeadError } from "./Errors.js"
import { CampaignsFailed } from "./Errors.js"
import type { Page } from "./Paginator.js"
import { DEFAULT_OVERLAP, paginate } from "./Paginator.js"
import { concurrencyFor } from "./streams/PerCampaign.js"

/** A timestamp this far past the sync's start is reported as from the future. */
export const FUTURE_SKEW_MS = 5 * 60_000

/** How far before the previous sync's start an activity sweep reaches, besides the lookback. */
export const SWEEP_MARGIN_MS = 5 * 60_000

/** Full restarts of a pass allowed when rows move too far under it to realign. */
export const MAX_RESTARTS = 3

/** What a page request asks for, besides offset and limit. */
export interface Query {
  /** Rows whose cursor value is after this (epoch ms), or every row. */
  readonly from: number | undefined
  /** For a sweep: rows with activity after this (epoch ms). */
  readonly activitySince?: number
}

/** An incremental per-campaign stream, as configuration. */
export interface Definition<R> {
  readonly name: string
  /** The cursor field (also the key of cursors in state) and the key of the campaign map. */
  readonly keys: Cursor.Keys
  /** A row's identity within a campaign. */
  readonly keyOf: (row: JsonObject) => unknown
  /** One page of a campaign's rows. */
  readonly fetch: (campaignId: number, query: Query, offset: number, limit: number) => Effect.Effect<Page, ApiError, R>
  readonly pageSize: (config: Config) => number
  /** How far before the cursor each incremental read starts. */
  readonly lookbackMs: (config: Config) => number
  /** The reconciliation interval, or undefined for a stream that never reconciles. */
  readonly reconcileMs?: (config: Config) => number | undefined
  /** Whether incremental reads sweep for activity (the fetcher must honour `activitySince`). */
  readonly sweep?: (config: Config) => boolean
  /** Rows at or before the query's lower bound are dropped (for an API that may ignore it). */
  readonly dropBeforeFrom: boolean
  /** Work on a page before it is written (filling in names, say). */
  readonly enrich?: (rows: Array<JsonObject>) => Effect.Effect<void, never, R>
  /** The campaigns to read. */
  readonly campaigns: (config: Config) => Effect.Effect<ReadonlyArray<number>, ApiError, R>
}

/** What one campaign's reader reports. */
type CampaignEvent =
  | {
    readonly _tag: "Page"
    readonly campaignId: number
    readonly rows: Array<JsonObject>
    readonly entry: Cursor.Entry
    readonly estimate: number | undefined
  }
  | { readonly _tag: "Failed"; readonly campaignId: number; readonly error: ApiError }

/** Counts across campaigns, for the logs at the end. */
interface Counters {
  pages: number
  emitted: number
  unparseable: number
  future: number
  dropped: number
}

/** A timestamp already as `Instant.format` writes it (cheaper to test than to rewrite; a length check is not enough: `…T12:00:00+0200` has 24 characters too). */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * Normalises the cursor field of each row in place and keeps the rows after `from`; returns the
 * newest cursor value kept.
 */
const normalize = (
  rows: Array<JsonObject>,
  field: string,
  from: number | undefined,
  drop: boolean,
  futureAfter: number,
  counters: Counters
): { readonly kept: Array<JsonObject>; readonly newest: number | undefined } => {
  let newest: number | undefined
  let write = 0
  for (let read = 0; read < rows.length; read++) {
    const row = rows[read] as Record<string, unknown>
    const raw = row[field]
    // Nearly every value is already canonical: read it the cheap way, and leave it as it is.
    const canonical = typeof raw === "string" ? Instant.parseCanonical(raw) : undefined
    const ms = canonical ?? (raw === undefined || raw === null ? undefined : Instant.parse(raw))
    if (ms === undefined) {
      if (raw !== undefined && raw !== null) {
        counters.unparseable++
        row[`${field}_raw`] = raw
        row[field] = null
      }
    } else {
      if (drop && from !== undefined && ms <= from) {
        counters.dropped++
        continue
      }
      if (canonical === undefined && (typeof raw !== "string" || !CANONICAL.test(raw))) row[field] = Instant.format(ms)
      if (ms > futureAfter) counters.future++
      if (newest === undefined || ms > newest) newest = ms
    }
    rows[write++] = row
  }
  rows.length = write
  return { kept: rows, newest }
}

/** Builds the `read` of a per-campaign incremental stream. */
export const read = <R>(definition: Definition<R>) =>
(
  context: ReadContext<Config, Cursor.State | undefined>
): Stream.Stream<StreamEvent, SmartLeadError, R | SmartLeadApi> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const { config } = context
      const api = yield* SmartLeadApi
      const input = context.state
      const syncStart = Date.now()
      const field = definition.keys.cursor
      const pageSize = definition.pageSize(config)
      const policy: Cursor.Policy = {
        syncStart,
        startDate: config.start_date === undefined ? undefined : Instant.parse(config.start_date),
        lookbackMs: definition.lookbackMs(config),
        reconcileMs: definition.reconcileMs?.(config),
        sweep: definition.sweep?.(config) ?? false,
        sweepMarginMs: definition.lookbackMs(config) + SWEEP_MARGIN_MS
      }
      const campaignIds = yield* definition.campaigns(config)
      const ids = campaignIds.map(String)
      const counters: Counters = { pages: 0, emitted: 0, unparseable: 0, future: 0, dropped: 0 }
      const failures: Array<{ campaignId: number; error: ApiError }> = []
      const plans = campaignIds.map((id) => {
        const entry = Cursor.entryOf(input, String(id))
        return { id, entry, plan: Cursor.plan(entry, policy) }
      })
      const concurrency = concurrencyFor(config.max_requests_per_second, campaignIds.length)
      const reasons = new Map<string, number>()
      for (const { plan } of plans) reasons.set(plan.reason, (reasons.get(plan.reason) ?? 0) + 1)
      yield* Effect.logInfo(
        `${definition.name}: reading ${campaignIds.length} campaign${
          campaignIds.length === 1 ? "" : "s"
        }, ${concurrency} at a time (${
          Array.from(reasons, ([reason, count]) => `${count} ${reason}`).join(", ") || "none"
        })`
      )
      const reconciling = reasons.get("reconcile") ?? 0
      if (reconciling > 0 && input !== undefined) {
        yield* Effect.logInfo(
          `${definition.name}: reconciling ${reconciling} campaign${
            reconciling === 1 ? "" : "s"
          } with a full read: never read in full, or last full read older than ${
            (policy.reconcileMs ?? 0) / 3_600_000
          } h`
        )
      }
      yield* Effect.gen(function*() {
        const requests = yield* api.requestCount
        const seconds = (Date.now() - syncStart) / 1000
        yield* Effect.logInfo(
          `${definition.name}: ${counters.emitted} records, ${counters.pages} pages, ${
            (requests / Math.max(seconds, 0.001)).toFixed(2)
          } requests/s`
        )
      }).pipe(Effect.repeat(Schedule.spaced("10 seconds")), Effect.delay("10 seconds"), Effect.forkScoped)

      const futureAfter = syncStart + FUTURE_SKEW_MS

      const readCampaign = (
        id: number,
        entry: Cursor.Entry | undefined,
        plan: Cursor.Plan
      ): Stream.Stream<CampaignEvent, ApiError, R> => {
        const seen = new Set<unknown>()
        const describe = (query: Query) => (offset: number) =>
          `GET ${definition.name} of campaign ${id} (offset ${offset}${
            query.from === undefined ? "" : `, after ${Instant.format(query.from)}`
          })`
        const pages = (query: Query, startOffset: number) =>
          paginate({
            fetch: (offset, limit) => definition.fetch(id, query, offset, limit),
            keyOf: definition.keyOf,
            pageSize,
            startOffset,
            overlap: DEFAULT_OVERLAP,
            seen,
            maxRestarts: MAX_RESTARTS,
            describe: describe(query)
          })
        // A resume goes on from its offset only while the campaign's total is what it was.
        const start: Effect.Effect<{ readonly pass: Cursor.Pass; readonly offset: number }, ApiError, R> =
          plan.reason === "resume"
            ? Effect.map(definition.fetch(id, { from: plan.pass.from }, 0, 1), (probe) =>
              Cursor.resumeHolds(plan.pass, probe.total)
                ? { pass: plan.pass, offset: plan.offset }
                : { pass: { ...plan.pass, total: probe.total }, offset: 0 })
            : Effect.succeed({ pass: plan.pass, offset: 0 })

        const main = Stream.unwrap(Effect.map(start, ({ offset, pass: startPass }) => {
          let pass = startPass
          let newest: number | undefined
          let current = entry
          return pages({ from: pass.from }, offset).pipe(
            Stream.mapEffect((page) => {
              counters.pages++
              const { kept, newest: pageNewest } = normalize(
                page.rows,
                field,
                pass.from,
                definition.dropBeforeFrom,
                futureAfter,
                counters
              )
              if (pageNewest !== undefined && (newest === undefined || pageNewest > newest)) {
                newest = pageNewest
              }
              if (page.first && offset === 0) pass = { ...pass, total: page.firstTotal }
              current = page.last
                ? Cursor.passCompleted(entry, pass, { newest, mayHaveMissed: page.moved, rows: page.delivered })
                : Cursor.inProgress(entry, pass, page.position)
              const event: CampaignEvent = {
                _tag: "Page",
                campaignId: id,
                rows: kept,
                entry: current,
                estimate: page.first && page.firstTotal !== undefined
                  ? Math.max(0, page.firstTotal - offset)
                  : undefined
              }
              const warn = page.last && page.total !== undefined && page.position !== page.total
                ? Effect.logWarning(
                  `${definition.name}: campaign ${id}: read ${page.position} rows but the API reported a total of ${page.total}`
                )
                : Effect.void
              const enrich = definition.enrich !== undefined && kept.length > 0
                ? definition.enrich(kept)
                : Effect.void
              return Effect.as(Effect.zipRight(warn, enrich), event)
            })
          )
        }))

        const sweep = (since: number) =>
          Stream.suspend(() => {
            const after = entryAfterMain()
            if (after === undefined) return Stream.empty
            let turnOff = false
            return pages({ from: Cursor.fromStartDate(policy.startDate), activitySince: since }, 0).pipe(
              Stream.mapEffect((page) => {
                counters.pages++
                const { kept } = normalize(page.rows, field, undefined, false, futureAfter, counters)
                const full = after.fullRows
                const ignored = full !== undefined && full > pageSize &&
                  ((page.first && page.firstTotal !== undefined && page.firstTotal >= full) || page.delivered >= full)
                const warn = ignored && !turnOff
                  ? Effect.logWarning(
                    `${definition.name}: campaign ${id}: the activity sweep found ${
                      page.firstTotal ?? page.delivered
                    } rows, as many as its last full read (${full}); the API seems to ignore the activity filter, so this campaign's sweeps are off until its next reconciliation`
                  )
                  : Effect.void
                if (ignored) turnOff = true
                const done = page.last || turnOff
                const event: CampaignEvent = {
                  _tag: "Page",
                  campaignId: id,
                  rows: kept,
                  entry: done
                    ? Cursor.sweepCompleted(after, syncStart, { mayHaveMissed: page.moved, turnOff })
                    : after,
                  estimate: undefined
                }
                const enrich = definition.enrich !== undefined && kept.length > 0
                  ? definition.enrich(kept)
                  : Effect.void
                return Effect.as(Effect.zipRight(warn, enrich), event)
              }),
              Stream.takeUntil(() => turnOff)
            )
          })

        let lastMain: Cursor.Entry | undefined
        const entryAfterMain = () => lastMain
        const withMain = main.pipe(
          Stream.tap((event) => Effect.sync(() => void (event._tag === "Page" && (lastMain = event.entry))))
        )
        const all = plan.sweepSince === undefined ? withMain : Stream.concat(withMain, sweep(plan.sweepSince))
        return all.pipe(
          Stream.catchAll((error) =>
            error._tag === "Unauthorized"
              ? Stream.fail(error)
              : Stream.make({ _tag: "Failed", campaignId: id, error } as CampaignEvent)
          )
        )
      }

      const campaigns = plans.map(({ entry, id, plan }) => readCampaign(id, entry, plan))
      let state = input
      const merged = concurrency === 1
        ? Stream.concatAll(Chunk.fromIterable(campaigns))
        : Stream.mergeAll(campaigns, { concurrency, bufferSize: 1 })
      const events = merged.pipe(
        Stream.mapConcat((event): ReadonlyArray<StreamEvent> => {
          if (event._tag === "Failed") {
            failures.push({ campaignId: event.campaignId, error: event.error })
            return []
          }
          state = Cursor.withEntry(state, ids, String(event.campaignId), event.entry)
          counters.emitted += event.rows.length
          const out: Array<StreamEvent> = []
          if (event.estimate !== undefined) out.push(estimate(event.estimate))
          out.push(records(event.rows), checkpoint(Cursor.encode(definition.keys, state)))
          return out
        })
      )
      const finish = Effect.gen(function*() {
        if (counters.unparseable > 0) {
          yield* Effect.logWarning(
            `${definition.name}: ${counters.unparseable} rows had a ${field} that is not a date-time; they were emitted (the text is in ${field}_raw) but never move a cursor`
          )
        }
        if (counters.future > 0) {
          yield* Effect.logWarning(
            `${definition.name}: ${counters.future} rows had a ${field} after this sync's start; they were emitted, but no cursor moves past the sync's start`
          )
        }
        if (counters.dropped > 0) {
          yield* Effect.logInfo(
            `${definition.name}: dropped ${counters.dropped} rows at or before the cursor that the API returned despite the filter`
          )
        }
        if (failures.length > 0) {
          return yield* new CampaignsFailed({ stream: definition.name, failures: [...failures], resumable: true })
        }
        return [] as Array<StreamEvent>
      })
      return Stream.concat(events, Stream.fromIterableEffect(finish))
    })
  )
