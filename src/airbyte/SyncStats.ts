/**
 * What a sync costs and how far it is, knowing nothing of any API: requests, retries, time held
 * back by a rate limit, records, row estimates and partitions done, per stream. `Read` makes one
 * `SyncStats` per sync (or uses the one its caller provides, to watch the sync: the shell's
 * progress line), provides it to every stream, names the stream being read in `currentStream`
 * around each stream's read, and ends the sync with one INFO line (`summary`).
 *
 * A source reports what it does through the functions below (`countRequest`, `countRetry`,
 * `waitingForRateLimit`), and the partitioned engine through `partitionsKnown` and
 * `partitionDone`; each is a no-op where no `SyncStats` is provided (`check`, tests). A request is
 * counted to the stream whose read it runs in: `currentStream` is a `FiberRef`, so it follows
 * every fiber a stream forks. A resource several streams share and the first one fetches (a list
 * cached for the sync) counts to the stream that first asked for it; a request made outside any
 * stream's read counts to `OUTSIDE_STREAMS`.
 */
import { Clock, Context, Effect, Exit, FiberRef, Option } from "effect"

/** The name requests made outside any stream's read are counted under. */
export const OUTSIDE_STREAMS = "outside streams"

/** The stream being read, set by `Read` around each stream's read (undefined outside one). */
export const currentStream: FiberRef.FiberRef<string | undefined> = FiberRef.unsafeMake<string | undefined>(
  undefined
)

/** One stream's counts. */
export interface StreamStats {
  readonly name: string
  /** When the stream's read started (epoch ms, by `Clock`); undefined for `OUTSIDE_STREAMS`. */
  readonly startedAt: number | undefined
  /** When it ended, if it has. */
  readonly endedAt: number | undefined
  readonly requests: number
  readonly retries: number
  readonly records: number
  /** The rows the stream estimated (the sum of its ESTIMATE messages), if it estimated any. */
  readonly rowEstimate: number | undefined
  /** Its partitions, once the engine knows how many there are. */
  readonly partitions: { readonly total: number; readonly done: number; readonly noun: string } | undefined
}

/** The sync so far. */
export interface Snapshot {
  readonly startedAt: number
  readonly now: number
  /** Every stream read or counted to, in the order they were first seen. */
  readonly streams: ReadonlyArray<StreamStats>
  /** The stream read last (the one being read while the sync runs). */
  readonly current: string | undefined
  readonly requests: number
  readonly retries: number
  readonly records: number
  /** Time during which at least one request waited for the rate limit. */
  readonly waitedMs: number
}

export interface SyncStatsShape {
  /** A stream's read starts (the runner). */
  readonly streamStarted: (name: string) => Effect.Effect<void>
  /** A stream's read ended (the runner). */
  readonly streamEnded: (name: string) => Effect.Effect<void>
  /** Records of a stream were written (the runner; synchronous, for its write loop). */
  readonly addRecords: (name: string, count: number) => void
  /** A stream's row estimate, as its ESTIMATE message says (the runner). */
  readonly setEstimate: (name: string, rows: number) => void
  /** One request was sent, counted to the current stream. */
  readonly request: Effect.Effect<void>
  /** One request is retried, counted to the current stream. */
  readonly retry: Effect.Effect<void>
  /** `self`, its run counted as time waited for the rate limit. */
  readonly waiting: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The current stream reads `total` partitions (`noun`s: campaigns, say). */
  readonly partitions: (total: number, noun: string) => Effect.Effect<void>
  /** One partition of the current stream ended (read, or set aside after failing). */
  readonly partitionDone: Effect.Effect<void>
  readonly snapshot: Effect.Effect<Snapshot>
}

/** The counts of the sync under way. */
export class SyncStats extends Context.Tag("airbyte/SyncStats")<SyncStats, SyncStatsShape>() {}

interface Mutable {
  name: string
  startedAt: number | undefined
  endedAt: number | undefined
  requests: number
  retries: number
  records: number
  rowEstimate: number | undefined
  partitions: { total: number; done: number; noun: string } | undefined
}

/** Fresh counts, starting now. */
export const make: Effect.Effect<SyncStatsShape> = Effect.map(Clock.currentTimeMillis, (startedAt) => {
  const streams = new Map<string, Mutable>()
  let current: string | undefined
  let waiters = 0
  let waitingSince = 0
  let waitedMs = 0
  const entry = (name: string | undefined): Mutable => {
    const key = name ?? OUTSIDE_STREAMS
    let found = streams.get(key)
    if (found === undefined) {
      found = {
        name: key,
        startedAt: undefined,
        endedAt: undefined,
        requests: 0,
        retries: 0,
        records: 0,
        rowEstimate: undefined,
        partitions: undefined
      }
      streams.set(key, found)
    }
    return found
  }
  const ofCurrent = (update: (stats: Mutable) => void): Effect.Effect<void> =>
    Effect.map(FiberRef.get(currentStream), (name) => update(entry(name)))
  const enter = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.sync(() => {
      if (waiters++ === 0) waitingSince = now
    }))
  const leave = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.sync(() => {
      if (--waiters === 0) waitedMs += now - waitingSince
    }))
  return {
    streamStarted: (name) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const stats = entry(name)
        stats.startedAt = now
        stats.endedAt = undefined
        current = name
      }),
    streamEnded: (name) => Effect.map(Clock.currentTimeMillis, (now) => void (entry(name).endedAt = now)),
    addRecords: (name, count) => void (entry(name).records += count),
    setEstimate: (name, rows) => void (entry(name).rowEstimate = rows),
    request: ofCurrent((stats) => void stats.requests++),
    retry: ofCurrent((stats) => void stats.retries++),
    waiting: (self) => Effect.acquireUseRelease(enter, () => self, () => leave),
    partitions: (total, noun) =>
      ofCurrent((stats) => {
        const before = stats.partitions
        stats.partitions = { total: (before?.total ?? 0) + total, done: before?.done ?? 0, noun }
      }),
    partitionDone: ofCurrent((stats) => {
      if (stats.partitions !== undefined) stats.partitions.done++
    }),
    snapshot: Effect.map(Clock.currentTimeMillis, (now): Snapshot => {
      const all = Array.from(streams.values(), (stats): StreamStats => ({
        ...stats,
        partitions: stats.partitions === undefined ? undefined : { ...stats.partitions }
      }))
      const sum = (pick: (stats: StreamStats) => number) => all.reduce((total, stats) => total + pick(stats), 0)
      return {
        startedAt,
        now,
        streams: all,
        current,
        requests: sum((stats) => stats.requests),
        retries: sum((stats) => stats.retries),
        records: sum((stats) => stats.records),
        waitedMs: waitedMs + (waiters > 0 ? now - waitingSince : 0)
      }
    })
  } satisfies SyncStatsShape
})

const withStats = (use: (stats: SyncStatsShape) => Effect.Effect<void>): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(SyncStats), (stats) => (Option.isSome(stats) ? use(stats.value) : Effect.void))

/** Counts one request sent to the current stream (a no-op outside a sync). */
export const countRequest: Effect.Effect<void> = withStats((stats) => stats.request)

/** Counts one retry to the current stream (a no-op outside a sync). */
export const countRetry: Effect.Effect<void> = withStats((stats) => stats.retry)

/** Runs `self` (waiting for a rate-limit slot), counting its time as waited for the rate limit. */
export const waitingForRateLimit = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(
    Effect.serviceOption(SyncStats),
    (stats) => (Option.isSome(stats) ? stats.value.waiting(self) : self)
  )

/** The engine's hook: the current stream reads `total` partitions, called `noun`s in progress lines. */
export const partitionsKnown = (total: number, noun: string): Effect.Effect<void> =>
  withStats((stats) => stats.partitions(total, noun))

/** The requests counted so far to the current stream, where a sync is being counted. */
export const currentStreamRequests: Effect.Effect<number | undefined> = Effect.flatMap(
  Effect.serviceOption(SyncStats),
  (stats) =>
    Option.isNone(stats) ? Effect.succeed(undefined) : Effect.zipWith(
      FiberRef.get(currentStream),
      stats.value.snapshot,
      (name, snapshot) => snapshot.streams.find((stream) => stream.name === (name ?? OUTSIDE_STREAMS))?.requests ?? 0
    )
)

/** The engine's hook: one partition of the current stream ended. */
export const partitionDone: Effect.Effect<void> = withStats((stats) => stats.partitionDone)

/**
 * A count with thousands separators: `12,345`. Written out rather than `toLocaleString`, whose
 * first call loads ICU's locale data: about 7 MB of resident memory for a comma.
 */
export const count = (n: number): string => {
  if (!Number.isFinite(n)) return String(n)
  const rounded = Number.isInteger(n) ? Math.abs(n) : Math.round(Math.abs(n) * 1000) / 1000
  const [whole = "0", fraction] = rounded.toString().split(".")
  return `${n < 0 || Object.is(n, -0) ? "-" : ""}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${
    fraction === undefined ? "" : `.${fraction}`
  }`
}

/** A length of time for people: `0.4 s`, `41 s`, `3 min 20 s`, `2 h 5 min`. */
export const duration = (ms: number): string => {
  const seconds = Math.max(0, ms) / 1000
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toString()} s`
  const whole = Math.round(seconds)
  if (whole < 60) return `${whole} s`
  if (whole < 3600) return `${Math.floor(whole / 60)} min${whole % 60 === 0 ? "" : ` ${whole % 60} s`}`
  const minutes = Math.round(whole / 60)
  return `${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? "" : ` ${minutes % 60} min`}`
}

/** How a sync ended, for its last line. */
export type Outcome = "done" | "failed" | "interrupted"

/** The outcome of a sync's exit. */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>): Outcome =>
  Exit.isSuccess(exit) ? "done" : Exit.isInterrupted(exit) ? "interrupted" : "failed"

const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? "" : "s"}`

/**
 * The last line of a sync: `Sync done: 212 requests (leads 84, campaign_statistics 95, …),
 * 3 retried, 41 s waited for the rate limit, 12,345 records`. Streams are listed in the order
 * they were read, with 0 for a stream that made no request.
 */
export const summary = (snapshot: Snapshot, outcome: Outcome): string => {
  const perStream = snapshot.streams.map((stats) => `${stats.name} ${count(stats.requests)}`).join(", ")
  return `Sync ${outcome}: ${plural(snapshot.requests, "request")}${perStream === "" ? "" : ` (${perStream})`}, ${
    count(snapshot.retries)
  } retried, ${duration(snapshot.waitedMs)} waited for the rate limit, ${plural(snapshot.records, "record")}`
}

/**
 * What is left of the current stream's read (ms), if it can be told: from the partitions done of
 * the total and the time they took, or else from the records written of the rows estimated.
 * Undefined before either has progressed.
 */
export const remainingMs = (snapshot: Snapshot): number | undefined => {
  const stats = snapshot.streams.find((candidate) => candidate.name === snapshot.current)
  if (stats?.startedAt === undefined || stats.endedAt !== undefined) return undefined
  const elapsed = snapshot.now - stats.startedAt
  const partitions = stats.partitions
  if (partitions !== undefined && partitions.done > 0) {
    return (elapsed * Math.max(0, partitions.total - partitions.done)) / partitions.done
  }
  if (stats.rowEstimate !== undefined && stats.records > 0 && stats.rowEstimate > stats.records) {
    return (elapsed * (stats.rowEstimate - stats.records)) / stats.records
  }
  return undefined
}
