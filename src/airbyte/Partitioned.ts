/**
 * The partitioned-stream reader: the engine of every stream that reads partition by partition
 * (a SmartLead campaign, say), knowing nothing of any API. A source supplies the partitions, a
 * page fetch, a row key and its settings; this module does the rest. Partitions are read
 * concurrently (`readPartitions`); a partition that fails is logged and set aside while the
 * others are read, and the stream then fails with `PartitionsFailed` naming it, unless the error
 * is fatal (a rejected key), which stops everything at once. An incremental stream
 * (`incremental`) keeps a cursor per partition with the rules of `Cursor`: each partition's main
 * pass resumes (checking the rows its checkpoint recorded, as between pages), restarts,
 * reconciles or reads on from its cursor, with the loss-proof paging of `Paginator`; an activity
 * sweep may follow, once the API has been asked whether it honours the activity filter. The
 * sync's state is one working copy updated in place as pages are delivered, and encoded only at
 * a checkpoint: at most every `checkpointIntervalMs` (by `Clock`), at the stream's end, and
 * before it fails, so a STATE never claims a row not yet written and a kill loses at most one
 * interval of progress.
 */
import type { Duration } from "effect"
import { Clock, Data, Effect, identity, Mailbox, Schedule, Stream } from "effect"
import * as Cursor from "./Cursor.js"
import * as Instant from "./Instant.js"
import { KeySet } from "./KeySet.js"
import type { Page, PageOut } from "./Paginator.js"
import { DEFAULT_OVERLAP, forEachPage } from "./Paginator.js"
import type { JsonObject } from "./Protocol.js"
import type { StreamEvent } from "./Source.js"
import { checkpoint, estimate, records } from "./Source.js"
import * as SyncStats from "./SyncStats.js"
import * as Tiers from "./Tiers.js"

/** Some partitions of a stream could not be read; the others were. */
export class PartitionsFailed<E> extends Data.TaggedError("PartitionsFailed")<{
  readonly stream: string
  readonly failures: ReadonlyArray<{ readonly partition: string; readonly error: E }>
  /** The stream checkpoints per partition, so the next sync resumes the failed ones. */
  readonly resumable: boolean
}> {
  override get message(): string {
    return `${this.stream}: ${this.failures.length} partition${this.failures.length === 1 ? "" : "s"} failed (${
      this.failures.map((failure) => failure.partition).join(", ")
    })`
  }
}

/** A timestamp this far past the sync's start is reported as from the future. */
export const FUTURE_SKEW_MS = 5 * 60_000

/**
 * Room for the API's clock running behind ours, and for rows stamped when they happened but
 * recorded later: an activity sweep reaches this far before the previous sync's start (besides
 * the lookback), and a cursor never passes its pass's start less this, so rows created while a
 * pass read, wherever the API put them, are read again by the next pass. Re-emitting a row is
 * cheap; missing one is not.
 */
export const CLOCK_MARGIN_MS = 60 * 60_000

/** Full restarts of a pass allowed when rows move too far under it to realign. */
export const MAX_RESTARTS = 3

/** How often the activity filter is asked about when the stream does not reconcile. */
const DEFAULT_FILTER_CHECK_MS = 24 * 3_600_000

/**
 * Partitions read at once: enough to keep `perSecond` requests in flight for answers taking up to
 * ~0.5 s, at least 2 (one page parsed while the next is fetched), at most 8 (more only holds more
 * pages in memory).
 */
export const concurrencyFor = (perSecond: number, partitions: number): number =>
  Math.max(1, Math.min(partitions, 8, Math.max(2, Math.ceil(perSecond / 2))))

/** How partition failures are handled. */
export interface FailurePolicy<E> {
  /** An error no other partition can escape (a rejected key): the stream stops at once. */
  readonly isFatal: (error: E) => boolean
  /** One line on an error, for the WARN when a partition is set aside. */
  readonly describe: (error: E) => string
}

/**
 * Reads `partitions` with `read`, `concurrency` at once; fails at the end naming the partitions
 * that failed. How many there are, and each one's end, are reported to `SyncStats` (progress).
 *
 * `concurrency` worker fibers take the partitions in order, each reading one partition at a time
 * (`read` hands its elements to `emit`) into a mailbox of one element that the stream drains (a
 * worker waits while it is full, so at most a page per worker and one more are held). This is
 * `Stream.mergeAll` with fewer steps per
 * element (bench/HOT-PATH.md §7): pages of one partition stay in order, a fatal error ends every
 * worker and fails the stream after the elements already handed over, and when the stream's
 * reader stops, the workers are interrupted with the stream's scope.
 */
export const readPartitions = <P, A, E, R>(options: {
  readonly stream: string
  readonly partitions: ReadonlyArray<P>
  readonly idOf: (partition: P) => string
  readonly concurrency: number
  /** Reads a partition, handing each element to `emit` (which waits while the stream's reader is busy). */
  readonly read: (partition: P, emit: (element: A) => Effect.Effect<void>) => Effect.Effect<void, E, R>
  readonly failures: FailurePolicy<E>
  /** Whether the stream's checkpoints let the next sync resume a failed partition. */
  readonly resumable?: boolean
  /** What a partition is called in logs; `partition` by default. */
  readonly noun?: string
}): Stream.Stream<A, E | PartitionsFailed<E>, R> =>
  Stream.suspend(() => {
    const failed: Array<{ readonly partition: string; readonly error: E }> = []
    /** A partition's elements into `emit`; a failure that is not fatal is logged and set aside. */
    const readOne = (partition: P, emit: (element: A) => Effect.Effect<void>): Effect.Effect<void, E, R> =>
      Effect.suspend(() => options.read(partition, emit)).pipe(
        Effect.catchAll((error) =>
          options.failures.isFatal(error)
            ? Effect.fail(error)
            : Effect.zipRight(
              Effect.sync(() => failed.push({ partition: options.idOf(partition), error })),
              Effect.logWarning(
                `${options.stream}: ${options.noun ?? "partition"} ${
                  options.idOf(partition)
                } could not be read (the others are read on): ${options.failures.describe(error)}`
              )
            )
        ),
        Effect.ensuring(SyncStats.partitionDone)
      )
    // Each partition's reader is built when its read starts, so what it holds (the keys it has
    // delivered, its pages) is garbage once it ends: at thousands of partitions that was most
    // of the heap when readers were built up front.
    const merged = Stream.unwrapScoped(Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<A, E>(1)
      const emit = (element: A): Effect.Effect<void> => Effect.asVoid(mailbox.offer(element))
      let next = 0
      const worker: Effect.Effect<void, E, R> = Effect.suspend(() =>
        next >= options.partitions.length
          ? Effect.void
          : Effect.zipRight(readOne(options.partitions[next++]!, emit), worker)
      )
      const workers = Math.max(1, Math.min(options.concurrency, options.partitions.length))
      yield* Effect.forEach(Array.from({ length: workers }, () => worker), identity, {
        concurrency: "unbounded",
        discard: true
      }).pipe(
        Effect.exit,
        Effect.flatMap((exit) => mailbox.done(exit)),
        Effect.forkScoped
      )
      return Mailbox.toStream(mailbox)
    }))
    const end = Effect.suspend(() =>
      failed.length > 0
        ? Effect.fail(
          new PartitionsFailed({ stream: options.stream, failures: [...failed], resumable: options.resumable ?? false })
        )
        : Effect.void
    )
    const known = SyncStats.partitionsKnown(options.partitions.length, options.noun ?? "partition")
    return Stream.concat(Stream.execute(known), Stream.concat(merged, Stream.execute(end)))
  })

/** What a page request asks for, besides offset and limit. */
export interface Query {
  /** Rows whose cursor value is after this (epoch ms), or every row. */
  readonly from: number | undefined
  /** For a sweep (or the filter check): rows with activity after this (epoch ms). */
  readonly activitySince?: number
}

/** How an incremental partitioned stream reads, from the source's config. */
export interface Settings {
  readonly pageSize: number
  /** Partitions read at once (see `concurrencyFor`). */
  readonly concurrency: number
  /** Where first syncs and full reads start (epoch ms), or the beginning. */
  readonly startDate: number | undefined
  /** How far before the cursor each incremental read starts. */
  readonly lookbackMs: number
  /** The reconciliation interval, or undefined for a stream that never reconciles. */
  readonly reconcileMs: number | undefined
  /** Whether incremental reads sweep for activity (the fetch must honour `activitySince`). */
  readonly sweep: boolean
  /** Rows at or before the query's lower bound are dropped (for an API that may ignore it). */
  readonly dropBeforeFrom: boolean
  /** The longest time between two checkpoints (0: after every page). */
  readonly checkpointIntervalMs: number
  /**
   * How often a partition of cadence `interval` is read (see `Tiers`); undefined or 0 reads
   * every partition every sync.
   */
  readonly intervalMs?: number | undefined
  /**
   * When set, the lookback window is re-read on this slow clock (see `Cursor.Policy.refreshMs`)
   * rather than on every incremental read; an inactive partition re-reads it whenever it is read.
   */
  readonly refreshMs?: number | undefined
}

/** An incremental partitioned stream, as a source declares it. */
export interface Definition<E, R> {
  readonly name: string
  /** The cursor field (also the key of cursors in state) and the key of the partition map. */
  readonly keys: Cursor.Keys
  /** A row's identity within a partition. */
  readonly keyOf: (row: JsonObject) => unknown
  /** The partitions to read, in order, with their cadence (an id alone is read every sync). */
  readonly partitions: Effect.Effect<ReadonlyArray<string | Tiers.Partition>, E, R>
  /** One page of a partition's rows. */
  readonly fetch: (partition: string, query: Query, offset: number, limit: number) => Effect.Effect<Page, E, R>
  readonly settings: Settings
  readonly failures: FailurePolicy<E>
  /** The error for a server that ignores `offset`. */
  readonly offsetIgnored: (partition: string, offset: number) => E
  /** Work on a page before it is written (filling in names, say). */
  readonly enrich?: (rows: Array<JsonObject>) => Effect.Effect<void, never, R>
  /** What a sweep's missing activity filter means for the user, for the WARN (`reconcile_interval_hours`, say). */
  readonly sweepFallback?: string
  /** What a partition is called in logs (`campaign`); `partition` by default. */
  readonly noun?: string
}

/** What one partition's reader reports: a page's rows and the partition's entry after them. */
interface PartitionPage {
  readonly partition: string
  readonly rows: Array<JsonObject>
  readonly entry: Cursor.Entry
  readonly estimate: number | undefined
}

/** Counts across partitions, for the logs. */
interface Counters {
  pages: number
  emitted: number
  unparseable: number
  future: number
  dropped: number
}

/** A timestamp already as `Instant.format` writes it (cheaper to test than to rewrite). */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * Normalises the cursor field of each row in place and keeps the rows after `from` (when
 * `drop`; a dropped row's key leaves `seen`, so a later sweep may deliver it); returns the
 * newest cursor value kept.
 */
const normalize = (
  rows: Array<JsonObject>,
  field: string,
  from: number | undefined,
  drop: { readonly seen: KeySet; readonly keyOf: (row: JsonObject) => unknown } | undefined,
  futureAfter: number,
  counters: Counters
): number | undefined => {
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
      if (drop !== undefined && from !== undefined && ms <= from) {
        counters.dropped++
        drop.seen.delete(drop.keyOf(row as JsonObject))
        continue
      }
      if (canonical === undefined && (typeof raw !== "string" || !CANONICAL.test(raw))) row[field] = Instant.format(ms)
      if (ms > futureAfter) counters.future++
      if (newest === undefined || ms > newest) newest = ms
    }
    rows[write++] = row as JsonObject
  }
  rows.length = write
  return newest
}

/** One sync of one stream: what every partition reader shares. */
interface Sync<E, R> {
  readonly definition: Definition<E, R>
  readonly policy: Cursor.Policy
  readonly syncStart: number
  readonly counters: Counters
}

/**
 * A partition's rows through its plan: the main pass (a resumed one followed by an incremental
 * catch-up), then the activity sweep if the plan has one.
 */
const readPartition = <E, R>(
  sync: Sync<E, R>,
  id: string,
  initial: Cursor.Entry | undefined,
  plan: Cursor.Plan,
  mark: (entry: Cursor.Entry) => Cursor.Entry,
  emit: (page: PartitionPage) => Effect.Effect<void>
): Effect.Effect<void, E, R> => {
  const { counters, definition, syncStart } = sync
  const { settings } = definition
  const field = definition.keys.cursor
  const futureAfter = syncStart + FUTURE_SKEW_MS
  const seen = new KeySet()
  // The partition's entry as of the last page delivered; the sweep starts from the main pass's.
  let current = initial
  const pages = (
    query: Query,
    offset: number,
    startKeys: ReadonlyArray<unknown> | undefined,
    onPage: (page: PageOut) => Effect.Effect<void, never, R>
  ) =>
    forEachPage<E, R, never, R>({
      fetch: (at, limit) => definition.fetch(id, query, at, limit),
      keyOf: definition.keyOf,
      // Pages must be able to overlap for shifts to be seen: never fewer rows than the overlap and one.
      pageSize: Math.max(settings.pageSize, DEFAULT_OVERLAP + 1),
      startOffset: offset,
      ...(startKeys === undefined ? {} : { startKeys }),
      overlap: DEFAULT_OVERLAP,
      seen,
      maxRestarts: MAX_RESTARTS,
      offsetIgnored: (at) => definition.offsetIgnored(id, at)
    }, onPage)
  const deliver = (page: PageOut, entry: Cursor.Entry, estimateRows: number | undefined) => {
    current = entry
    const event: PartitionPage = { partition: id, rows: page.rows, entry, estimate: estimateRows }
    return definition.enrich !== undefined && page.rows.length > 0
      ? Effect.zipRight(definition.enrich(page.rows), emit(event))
      : emit(event)
  }

  const drop = settings.dropBeforeFrom ? { seen, keyOf: definition.keyOf } : undefined
  /** One pass of the partition from `before`, as `planned` says. */
  const passOf = (before: Cursor.Entry | undefined, planned: Cursor.Plan, marks: boolean) => {
    const { pass } = planned
    // A resumed pass goes on from what it delivered before.
    let newest: number | undefined = pass.newest
    // Once rows were inserted behind the read position (newest first, or in no order), rows
    // delivered later may be newer than those inserted: the cursor stops at what came before.
    let shifted = pass.shifted === true
    return pages({ from: pass.from }, planned.offset, planned.offset > 0 ? pass.lastKeys : undefined, (page) => {
      counters.pages++
      if (page.shifted) shifted = true
      const pageNewest = normalize(page.rows, field, pass.from, drop, futureAfter, counters)
      if (!shifted && pageNewest !== undefined && (newest === undefined || pageNewest > newest)) {
        newest = pageNewest
      }
      const completed = page.last
        ? Cursor.passCompleted(before, pass, { newest, mayHaveMissed: page.missed, settleMs: CLOCK_MARGIN_MS })
        : undefined
      const entry = completed === undefined
        ? Cursor.inProgress(before, pass, page.position, page.lastKeys, newest, shifted)
        : marks && !page.missed
        ? mark(completed)
        : completed
      const warn = page.last && page.total !== undefined && page.position !== page.total
        ? Effect.logWarning(
          `${definition.name}: ${
            definition.noun ?? "partition"
          } ${id}: read ${page.position} rows but the API reported a total of ${page.total}`
        )
        : Effect.void
      const rowsLeft = page.first && page.firstTotal !== undefined
        ? Math.max(0, page.firstTotal - planned.offset)
        : undefined
      return Effect.zipRight(warn, deliver(page, entry, rowsLeft))
    })
  }
  // A pass resumed from an earlier sync cannot see rows added behind its position since then:
  // once it ends, an incremental pass from its cursor (which stops short of that pass's start)
  // reads them in this sync.
  const resumed = (plan.reason === "resume" || plan.reason === "restart") && plan.pass.startedAt < syncStart
  const main = resumed
    ? Effect.zipRight(
      passOf(initial, plan, true),
      Effect.suspend(() => {
        const after = current
        if (after === undefined || after.pass !== undefined) return Effect.void
        return passOf(after, Cursor.plan(after, { ...sync.policy, reconcileMs: undefined, sweep: false }), false)
      })
    )
    : passOf(initial, plan, true)
  if (plan.sweepSince === undefined) return main
  const since = plan.sweepSince
  const sweep = Effect.suspend(() => {
    const after = current
    if (after === undefined || after.pass !== undefined) return Effect.void
    return pages({ from: Cursor.fromStartDate(settings.startDate), activitySince: since }, 0, undefined, (page) => {
      counters.pages++
      normalize(page.rows, field, undefined, undefined, futureAfter, counters)
      const entry = page.last ? Cursor.sweepCompleted(after, syncStart, { mayHaveMissed: page.missed }) : after
      return deliver(page, entry, undefined)
    })
  })
  return Effect.zipRight(main, sweep)
}

/**
 * Asks the API whether it honours the activity filter: one request for rows with activity after
 * a future instant, on a partition known to have rows. A correct API answers none. Undefined when
 * no partition is known to have rows, or the request failed (then asked again next sync).
 */
const checkSweepFilter = <E, R>(
  definition: Definition<E, R>,
  state: Cursor.State,
  partitions: ReadonlyArray<string>,
  now: number
): Effect.Effect<Cursor.SweepFilter | undefined, never, R> => {
  const hasRows = (entry: Cursor.Entry | undefined) =>
    entry !== undefined && (entry.cursor !== undefined || (entry.offset ?? 0) > 0)
  const candidate = partitions.find((id) => hasRows(state.partitions?.get(id)))
  if (candidate === undefined) return Effect.succeed(undefined)
  return definition.fetch(candidate, { from: undefined, activitySince: now + 86_400_000 }, 0, 1).pipe(
    Effect.map((page): Cursor.SweepFilter => ({ honoured: page.rows.length === 0, checkedAt: now })),
    Effect.catchAll((error) =>
      Effect.as(
        Effect.logWarning(
          `${definition.name}: could not ask the API whether it honours the activity filter (${
            definition.failures.describe(error)
          }); no activity sweep this sync`
        ),
        undefined
      )
    )
  )
}

/** The events of an incremental partitioned stream, from its decoded input state. */
export const incremental = <E, R>(
  definition: Definition<E, R>,
  input: Cursor.State | undefined
): Stream.Stream<StreamEvent, E | PartitionsFailed<E>, R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const { name, settings } = definition
    const noun = definition.noun ?? "partition"
    const count = (n: number) => `${n} ${noun}${n === 1 ? "" : "s"}`
    const clock = yield* Effect.clock
    const syncStart = clock.unsafeCurrentTimeMillis()
    const listed = (yield* definition.partitions).map(Tiers.partitionOf)
    const ids = listed.map((partition) => partition.id)
    const state = Cursor.working(input, ids)
    const partitions = state.partitions!
    const counters: Counters = { pages: 0, emitted: 0, unparseable: 0, future: 0, dropped: 0 }
    const policy: Cursor.Policy = {
      syncStart,
      startDate: settings.startDate,
      lookbackMs: settings.lookbackMs,
      reconcileMs: settings.reconcileMs,
      sweep: settings.sweep,
      sweepMarginMs: settings.lookbackMs + CLOCK_MARGIN_MS,
      refreshMs: settings.refreshMs
    }
    // Which partitions this sync reads: every active one, an inactive one when its slot came or
    // its label changed, any with a pass under way, and none that has nothing to read; the
    // lookback re-reads of active ones spread over their own clock.
    const tiers = Tiers.schedule(listed, settings.intervalMs ?? 0, syncStart)
    const isSlow = tiers.isSlow
    const refreshPhases = Tiers.spread(
      listed.filter((p) => p.cadence !== "never" && !isSlow(p)).map((p) => p.id),
      settings.refreshMs ?? 0
    )
    const isDue = (partition: Tiers.Partition, entry: Cursor.Entry | undefined) =>
      (partition.cadence !== "never" && entry?.pass !== undefined) ||
      tiers.isDue(partition, entry === undefined ? undefined : { doneAt: entry.refreshedAt, label: entry.label })
    let skipped = 0
    let idle = 0
    let plans = listed.flatMap((partition) => {
      const { id } = partition
      const entry = input === undefined ? undefined : partitions.get(id)
      if (!isDue(partition, entry)) {
        if (partition.cadence === "never") idle++
        else skipped++
        return []
      }
      const slow = isSlow(partition)
      const refresh = settings.refreshMs !== undefined &&
        (slow || Tiers.isDue(id, entry?.refreshedAt, syncStart, settings.refreshMs, refreshPhases.get(id)))
      const planned = Cursor.plan(entry, policy, refresh)
      const plan = partition.sweep === false ? { ...planned, sweepSince: undefined } : planned
      // What a completed read records: an inactive partition's read and label; an active one's
      // lookback re-read (or full read) when the lookback runs on the slow clock.
      const refreshes = slow || (settings.refreshMs !== undefined && (plan.refresh === true || plan.pass.full))
      const mark = (done: Cursor.Entry): Cursor.Entry => {
        const { label: _label, refreshedAt: _refreshedAt, ...rest } = done
        const refreshedAt = refreshes ? syncStart : settings.refreshMs === undefined ? undefined : done.refreshedAt
        return {
          ...rest,
          ...(refreshedAt === undefined ? {} : { refreshedAt }),
          ...(slow && partition.label !== undefined ? { label: partition.label } : {})
        }
      }
      return [{ id, entry, plan, mark }]
    })

    // Sweeps run only once the API is known to honour the activity filter.
    if (plans.some(({ plan }) => plan.sweepSince !== undefined)) {
      let filter = state.sweepFilter
      if (Cursor.sweepFilterDue(filter, syncStart, settings.reconcileMs || DEFAULT_FILTER_CHECK_MS)) {
        const answer = yield* checkSweepFilter(definition, state, ids, syncStart)
        if (answer !== undefined) {
          filter = answer
          ;(state as { sweepFilter?: Cursor.SweepFilter }).sweepFilter = answer
          if (!answer.honoured) {
            yield* Effect.logWarning(
              `${name}: the API ignores the activity filter (rows with activity after a future instant came back), so there is no activity sweep${
                definition.sweepFallback === undefined ? "" : `: ${definition.sweepFallback}`
              }`
            )
          }
        }
      }
      if (filter === undefined || !filter.honoured) {
        plans = plans.map((planned) => ({ ...planned, plan: { ...planned.plan, sweepSince: undefined } }))
      }
    }

    const reasons = new Map<string, number>()
    for (const { plan } of plans) reasons.set(plan.reason, (reasons.get(plan.reason) ?? 0) + 1)
    const sweeps = plans.filter(({ plan }) => plan.sweepSince !== undefined).length
    yield* Effect.logInfo(
      `${name}: reading ${count(plans.length)}, ${settings.concurrency} at a time (${
        Array.from(reasons, ([reason, count]) => `${count} ${reason}`).join(", ") || "none"
      }; ${sweeps} activity sweep${sweeps === 1 ? "" : "s"}${
        skipped > 0 ? `; ${skipped} inactive not due this sync` : ""
      }${idle > 0 ? `; ${idle} with nothing to read` : ""})`
    )
    const reconciling = reasons.get("reconcile") ?? 0
    if (reconciling > 0 && input !== undefined) {
      yield* Effect.logInfo(
        `${name}: reconciling ${
          count(reconciling)
        } with a full read: never read in full, or last full read older than ${
          (settings.reconcileMs ?? 0) / 3_600_000
        } h`
      )
    }
    const progress = Effect.gen(function*() {
      const requests = yield* SyncStats.currentStreamRequests
      const seconds = ((yield* Clock.currentTimeMillis) - syncStart) / 1000
      yield* Effect.logInfo(
        `${name}: ${counters.emitted} records, ${counters.pages} pages${
          requests === undefined ? "" : `, ${(requests / Math.max(seconds, 0.001)).toFixed(2)} requests/s`
        }`
      )
    })
    const every: Duration.DurationInput = "10 seconds"
    yield* progress.pipe(Effect.repeat(Schedule.spaced(every)), Effect.delay(every), Effect.forkScoped)

    const sync: Sync<E, R> = { definition, policy, syncStart, counters }
    const encoded = () => checkpoint(Cursor.encode(definition.keys, state))
    let lastCheckpoint = syncStart
    const events = readPartitions({
      stream: name,
      partitions: plans,
      idOf: ({ id }) => id,
      concurrency: settings.concurrency,
      read: ({ entry, id, mark, plan }, emit: (page: PartitionPage) => Effect.Effect<void>) =>
        readPartition(sync, id, entry, plan, mark, emit),
      failures: definition.failures,
      resumable: true,
      ...(definition.noun === undefined ? {} : { noun: definition.noun })
    }).pipe(
      Stream.mapConcat((page): ReadonlyArray<StreamEvent> => {
        const now = clock.unsafeCurrentTimeMillis()
        partitions.set(page.partition, page.entry)
        counters.emitted += page.rows.length
        const out: Array<StreamEvent> = []
        if (page.estimate !== undefined) out.push(estimate(page.estimate))
        out.push(records(page.rows))
        if (now - lastCheckpoint >= settings.checkpointIntervalMs) {
          lastCheckpoint = now
          out.push(encoded())
        }
        return out
      })
    )
    const logs = Effect.gen(function*() {
      const field = definition.keys.cursor
      if (counters.unparseable > 0) {
        yield* Effect.logWarning(
          `${name}: ${counters.unparseable} rows had a ${field} that is not a date-time; they were emitted (the text is in ${field}_raw) but never move a cursor`
        )
      }
      if (counters.future > 0) {
        yield* Effect.logWarning(
          `${name}: ${counters.future} rows had a ${field} after this sync's start; they were emitted, but no cursor moves past the sync's start`
        )
      }
      if (counters.dropped > 0) {
        yield* Effect.logInfo(
          `${name}: dropped ${counters.dropped} rows at or before the cursor that the API returned despite the filter`
        )
      }
    })
    // The last state the delivered records justify, at the end and before a failure.
    const final = Stream.suspend(() => Stream.make(encoded()))
    return Stream.concat(Stream.ensuring(events, logs), final).pipe(
      Stream.catchAll((error) => Stream.concat(final, Stream.fail(error)))
    )
  }))

/** A partition's snapshot as fetched. */
interface Fetched {
  readonly partition: Tiers.Partition
  readonly rows: Array<JsonObject>
}

/** A stream of per-partition snapshots (one request each), as a source declares it. */
export interface SnapshotDefinition<E, R> {
  readonly name: string
  /** `cursor`: the field stamped on every row with the sync's start, and the key of fetch times in state. */
  readonly keys: Cursor.Keys
  /** The partitions, with their cadence (see `Tiers`). */
  readonly partitions: ReadonlyArray<string | Tiers.Partition>
  /** A partition's rows (its snapshot). */
  readonly fetch: (partition: string) => Effect.Effect<Array<JsonObject>, E, R>
  readonly concurrency: number
  /** How often a partition of cadence `interval` is fetched; undefined or 0: every sync. */
  readonly intervalMs: number | undefined
  readonly checkpointIntervalMs: number
  readonly failures: FailurePolicy<E>
  readonly noun?: string
  /** Rows each partition answers, when that is fixed: the stream then starts with a row ESTIMATE. */
  readonly rowsPerPartition?: number
}

/**
 * The events of a snapshot stream: each partition's rows, stamped with the sync's start in the
 * cursor field. A full refresh (`input` undefined and not `incremental`) fetches every partition;
 * an incremental read fetches the partitions due by their cadence (an inactive one once per
 * interval, or at once when its label changed; none of cadence `never`) and keeps, per
 * partition, when it was last fetched, checkpointed like `incremental`. A destination that keeps
 * the newest row per key then holds every partition's latest snapshot.
 */
export const snapshots = <E, R>(
  definition: SnapshotDefinition<E, R>,
  input: Cursor.State | undefined,
  incremental: boolean
): Stream.Stream<StreamEvent, E | PartitionsFailed<E>, R> =>
  Stream.unwrap(Effect.gen(function*() {
    const syncStart = yield* Clock.currentTimeMillis
    const stamp = Instant.format(syncStart)
    const field = definition.keys.cursor
    const listed = definition.partitions.map(Tiers.partitionOf)
    const state = Cursor.working(input, listed.map((partition) => partition.id))
    const entries = state.partitions!
    const tiers = Tiers.schedule(listed, definition.intervalMs ?? 0, syncStart)
    const due = incremental
      ? listed.filter((partition) => {
        const entry = input === undefined ? undefined : entries.get(partition.id)
        // A fetch time after this sync's start (a far-future state) is kept, as a cursor would be.
        if (entry?.cursor !== undefined && entry.cursor > syncStart) return false
        return tiers.isDue(partition, entry === undefined ? undefined : { doneAt: entry.cursor, label: entry.label })
      })
      : listed
    if (incremental) {
      yield* Effect.logInfo(
        `${definition.name}: reading ${due.length} of ${listed.length} ${
          definition.noun ?? "partition"
        }s (the others are not due this sync)`
      )
    }
    const encoded = () => checkpoint(Cursor.encode(definition.keys, state))
    let lastCheckpoint = syncStart
    const rows = (definition.rowsPerPartition ?? 0) * due.length
    const events = readPartitions({
      stream: definition.name,
      partitions: due,
      idOf: (partition) => partition.id,
      concurrency: definition.concurrency,
      failures: definition.failures,
      resumable: incremental,
      ...(definition.noun === undefined ? {} : { noun: definition.noun }),
      read: (partition, emit: (fetched: Fetched) => Effect.Effect<void>) =>
        Effect.flatMap(definition.fetch(partition.id), (rows) => emit({ partition, rows }))
    }).pipe(
      Stream.mapConcatEffect(({ partition, rows }) =>
        Effect.map(Clock.currentTimeMillis, (now): ReadonlyArray<StreamEvent> => {
          for (const row of rows) (row as Record<string, unknown>)[field] = stamp
          const out: Array<StreamEvent> = rows.length > 0 ? [records(rows)] : []
          if (!incremental) return out
          entries.set(partition.id, {
            cursor: syncStart,
            ...(tiers.isSlow(partition) && partition.label !== undefined ? { label: partition.label } : {})
          })
          if (now - lastCheckpoint >= definition.checkpointIntervalMs) {
            lastCheckpoint = now
            out.push(encoded())
          }
          return out
        })
      )
    )
    const withEstimate = rows > 0 ? Stream.concat(Stream.make(estimate(rows)), events) : events
    if (!incremental) return withEstimate
    const final = Stream.suspend(() => Stream.make(encoded()))
    return Stream.concat(withEstimate, final).pipe(
      Stream.catchAll((error) => Stream.concat(final, Stream.fail(error)))
    )
  }))
