/**
 * Offset pagination that cannot stop early or skip rows, for any offset/limit endpoint, on
 * `Stream.paginateEffect`. A page with as many rows as the limit the server applied means there
 * may be more (the response's `limit` wins when it echoes a smaller one; a short page while the
 * reported total says more teaches the client a silent cap). Totals never end a read on their
 * own: a short page that overshoots the total is confirmed with one more request. Every page
 * after the first re-requests the last `overlap` rows of the one before (a resume does the same
 * with the keys its checkpoint recorded); when they are not where they were, rows moved under
 * the read: the page is realigned on the last row already seen, or, when none is found, the pass
 * starts again from offset 0; a page says when rows moved before the read position. Rows already delivered in the pass are never delivered twice. A
 * pass reports `missed` only when it may really have missed rows (it could not realign and had
 * no restart left); a realignment that found its rows lost nothing. A server that ignores
 * `offset` (the same page at another offset, and again a million rows further) fails with the source's own
 * error, not a loop. Knows nothing of any API: the source supplies the fetch and the key. The
 * pages come as a `Stream` (`paginate`) or one by one to a callback (`forEachPage`).
 */
import { Effect, Option, Stream } from "effect"
import type { KeySet } from "./KeySet.js"
import type { JsonObject } from "./Protocol.js"

/** One page as an endpoint's decoder gives it. */
export interface Page {
  readonly rows: Array<JsonObject>
  /** The total the API reported, if any: for estimates and diagnostics only. */
  readonly total?: number | undefined
  /** The limit the API says it applied, if it echoes one. */
  readonly limit?: number | undefined
}

/** What the paginator hands on for each request. */
export interface PageOut {
  /** Rows not delivered before in this pass, in server order. The array is the caller's. */
  readonly rows: Array<JsonObject>
  /** Rows of the pass delivered so far, counting these (a resume offset counts the rows before it). */
  readonly delivered: number
  /** The server position after this page: the offset a resume would start at. */
  readonly position: number
  /** The keys of the last rows of this page: what a resume at `position` checks first. */
  readonly lastKeys: ReadonlyArray<unknown>
  readonly total: number | undefined
  /** The first page's total (for estimates). */
  readonly firstTotal: number | undefined
  readonly first: boolean
  readonly last: boolean
  /** Rows moved under the read at some point of the pass (realigned or restarted). */
  readonly moved: boolean
  /** The pass may have missed rows: it could not realign and had no restart left. */
  readonly missed: boolean
  /**
   * Rows moved before the read position since the previous request (this page found its overlap
   * elsewhere, or had to restart): rows inserted there are not in this pass, and a deletion may
   * have hidden an insertion.
   */
  readonly shifted: boolean
}

/** How to page through one query. */
export interface PaginateOptions<E, R = never> {
  readonly fetch: (offset: number, limit: number) => Effect.Effect<Page, E, R>
  /** The row's identity within the pass (a lead's id). */
  readonly keyOf: (row: JsonObject) => unknown
  readonly pageSize: number
  readonly startOffset: number
  /** For a resume: the keys of the rows just before `startOffset`, as a checkpoint recorded them. */
  readonly startKeys?: ReadonlyArray<unknown>
  /** Rows of the previous page asked for again (0 turns shift detection off). */
  readonly overlap: number
  /** Keys already delivered in this sync (shared with a later sweep); the paginator adds to it. */
  readonly seen: KeySet
  /** Full restarts allowed when rows moved too far to realign; after that the pass goes on and reports `missed`. */
  readonly maxRestarts: number
  /** The error for a server that ignores `offset`, given the offset asked for. */
  readonly offsetIgnored: (offset: number) => E
}

/** How far past the read position the check of a repeated page asks (a server honouring offset answers nothing there). */
const FAR_OFFSET = 1_000_000

/** Rows re-requested per page by default: one deletion per page is realigned without a restart. */
export const DEFAULT_OVERLAP = 2

/** Where the next request goes and what it expects to find. */
interface Position {
  readonly offset: number
  readonly limit: number
  /** The keys of the previous page's last rows, expected first in this page. */
  readonly expected: ReadonlyArray<unknown>
  /** Every key of the previous page and its offset, to tell a server that ignores offset. */
  readonly previousKeys: ReadonlyArray<unknown> | undefined
  readonly previousOffset: number
  readonly restarts: number
  readonly delivered: number
  readonly moved: boolean
  readonly missed: boolean
  readonly firstTotal: number | undefined
  readonly first: boolean
  readonly confirming: boolean
}

const sameKeys = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Where a query's paging starts, and the step from one request to the next. */
const pager = <E, R>(options: PaginateOptions<E, R>) => {
  const { keyOf, seen } = options
  const startKeys = options.startKeys ?? []
  const start: Position = {
    // A resume asks again for the rows its checkpoint recorded, and checks they are still there.
    offset: Math.max(0, options.startOffset - startKeys.length),
    limit: options.pageSize,
    expected: options.startOffset >= startKeys.length ? startKeys : [],
    previousKeys: undefined,
    previousOffset: -1,
    restarts: 0,
    delivered: options.startOffset,
    moved: false,
    missed: false,
    firstTotal: undefined,
    first: true,
    confirming: false
  }
  const step = (at: Position): Effect.Effect<readonly [PageOut, Option.Option<Position>], E, R> =>
    Effect.flatMap(options.fetch(at.offset, options.pageSize), (page) => {
      const rows = page.rows
      const count = rows.length
      const keys = new Array<unknown>(count)
      for (let i = 0; i < count; i++) keys[i] = keyOf(rows[i]!)
      // The same page at another offset is a server that ignores offset, or rows shifted by
      // exactly the step (page size − overlap rows inserted before the read position): one
      // request far past the end tells them apart.
      const repeated = count > 0 && at.previousKeys !== undefined && at.offset !== at.previousOffset &&
        sameKeys(keys, at.previousKeys)
      if (repeated) {
        const far = at.offset + FAR_OFFSET
        return Effect.flatMap(options.fetch(far, options.pageSize), (probe) => {
          const probeKeys = probe.rows.map(keyOf)
          return probeKeys.length > 0 && sameKeys(probeKeys, keys)
            ? Effect.fail(options.offsetIgnored(at.offset))
            : advance(at, page, keys)
        })
      }
      return advance(at, page, keys)
    })

  const advance = (
    at: Position,
    page: Page,
    keys: Array<unknown>
  ): Effect.Effect<readonly [PageOut, Option.Option<Position>], E, R> => {
    const rows = page.rows
    const count = rows.length
    let limit = page.limit !== undefined && page.limit > 0 && page.limit < at.limit ? page.limit : at.limit
    const total = page.total
    // Where this page's new rows start: after the overlap, realigned if the rows moved.
    let from = 0
    let moved = at.moved
    let missed = at.missed
    let restart = false
    let shifted = false
    if (at.expected.length > 0) {
      const k = at.expected.length
      let aligned = count >= k
      for (let i = 0; aligned && i < k; i++) if (keys[i] !== at.expected[i]) aligned = false
      if (aligned) {
        from = k
      } else {
        moved = true
        shifted = true
        const expected = new Set(at.expected)
        let found = -1
        for (let i = 0; i < count; i++) if (expected.has(keys[i])) found = i
        if (found >= 0) from = found + 1
        else if (at.restarts < options.maxRestarts) restart = true
        else missed = true
      }
    }
    const fresh: Array<JsonObject> = []
    for (let i = from; i < count; i++) {
      if (!seen.add(keys[i])) continue
      fresh.push(rows[i]!)
    }
    const position = at.offset + count
    const delivered = at.delivered + fresh.length
    const firstTotal = at.first ? total : at.firstTotal
    if (restart) {
      const next: Position = {
        ...at,
        offset: 0,
        expected: [],
        previousKeys: undefined,
        previousOffset: -1,
        restarts: at.restarts + 1,
        delivered,
        moved: true,
        firstTotal,
        first: false,
        confirming: false,
        limit
      }
      const out: PageOut = {
        rows: fresh,
        delivered,
        position: 0,
        lastKeys: [],
        total,
        firstTotal,
        first: at.first,
        last: false,
        moved: true,
        missed,
        shifted
      }
      return Effect.succeed([out, Option.some(next)] as const)
    }
    // Is there more? A full page says maybe; a short one is the end unless the total says more
    // (the server capped the limit silently) or the page overshoots the total (confirm once).
    let more = false
    let confirming = false
    if (count > 0 && count >= limit) more = true
    else if (count > 0 && total !== undefined && position < total) {
      limit = count
      more = true
    } else if (count > 0 && total !== undefined && position > total && !at.confirming) {
      more = true
      confirming = true
    }
    const overlap = Math.min(options.overlap, count, Math.max(0, limit - 1))
    const lastKeys = overlap > 0 ? keys.slice(count - overlap) : []
    const next: Position = {
      offset: position - overlap,
      limit,
      expected: lastKeys,
      previousKeys: keys,
      previousOffset: at.offset,
      restarts: at.restarts,
      delivered,
      moved,
      missed,
      firstTotal,
      first: false,
      confirming
    }
    const out: PageOut = {
      rows: fresh,
      delivered,
      position,
      lastKeys,
      total,
      firstTotal,
      first: at.first,
      last: !more,
      moved,
      missed,
      shifted
    }
    return Effect.succeed([out, more ? Option.some(next) : Option.none()] as const)
  }
  return { start, step }
}

/** The pages of one query from `startOffset` on. */
export const paginate = <E, R = never>(options: PaginateOptions<E, R>): Stream.Stream<PageOut, E, R> => {
  const { start, step } = pager(options)
  return Stream.paginateEffect(start, step)
}

/**
 * The pages of one query from `startOffset` on, each handed to `onPage` before the next request
 * is made: `paginate` as a loop, a few fiber steps a page fewer than a stream (the engine's hot
 * path, bench/HOT-PATH.md §7).
 */
export const forEachPage = <E, R, E2, R2>(
  options: PaginateOptions<E, R>,
  onPage: (page: PageOut) => Effect.Effect<void, E2, R2>
): Effect.Effect<void, E | E2, R | R2> => {
  const { start, step } = pager(options)
  const from = (at: Position): Effect.Effect<void, E | E2, R | R2> =>
    Effect.flatMap(step(at), ([page, next]) =>
      Option.isSome(next)
        ? Effect.zipRight(onPage(page), Effect.suspend(() => from(next.value)))
        : onPage(page))
  return from(start)
}
