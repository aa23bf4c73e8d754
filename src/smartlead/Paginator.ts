/**
 * Offset pagination that cannot stop early or skip rows, for every paged SmartLead endpoint
 * (leads, statistics, email accounts), on `Stream.paginateEffect`. A page with as many rows as
 * the limit the server applied means there may be more (the response's `limit` wins when it
 * echoes a smaller one; a short page while the reported total says more teaches the client a
 * silent cap). Totals never end a read on their own: a short page that overshoots the total is
 * confirmed with one more request. Every page after the first re-requests the last `overlap`
 * rows of the one before; when they are not where they were, rows moved under the read
 * (deleted or inserted before it): the page is realigned on the last row already seen, or, when
 * none is found, the pass starts again from offset 0. Rows already delivered in the pass are
 * never delivered twice, and a pass whose set moved says so, so its cursor does not advance past
 * rows it may have missed. A server that ignores `offset` is an `InvalidResponse`, not a loop.
 */
import type { Effect } from "effect"
import { Effect as E, Option, Stream } from "effect"
import type { JsonObject } from "../airbyte/Protocol.js"
import type { ApiError } from "./Errors.js"
import { InvalidResponse } from "./Errors.js"

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
  readonly total: number | undefined
  /** The first page's total (for estimates and resume checks). */
  readonly firstTotal: number | undefined
  readonly first: boolean
  readonly last: boolean
  /** Rows moved under the read at some point of the pass. */
  readonly moved: boolean
}

/** How to page through one query. */
export interface PaginateOptions<R = never> {
  readonly fetch: (offset: number, limit: number) => Effect.Effect<Page, ApiError, R>
  /** The row's identity within the pass (a lead's id). */
  readonly keyOf: (row: JsonObject) => unknown
  readonly pageSize: number
  readonly startOffset: number
  /** Rows of the previous page asked for again (0 turns shift detection off). */
  readonly overlap: number
  /** Keys already delivered in this sync (shared with a later sweep); the paginator adds to it. */
  readonly seen: Set<unknown>
  /** Full restarts allowed when rows moved too far to realign; after that the pass goes on and reports `moved`. */
  readonly maxRestarts: number
  /** How a request is shown in errors. */
  readonly describe: (offset: number) => string
}

/** Rows re-requested per page by default: one deletion per page is realigned without a restart. */
export const DEFAULT_OVERLAP = 2

interface Cursor {
  readonly offset: number
  readonly limit: number
  /** The keys of the previous page's last rows, expected first in this page. */
  readonly expected: ReadonlyArray<unknown>
  readonly previousFirst: unknown
  readonly previousOffset: number
  readonly restarts: number
  readonly delivered: number
  readonly moved: boolean
  readonly firstTotal: number | undefined
  readonly first: boolean
  readonly confirming: boolean
}

/** The pages of one query from `startOffset` on. */
export const paginate = <R = never>(options: PaginateOptions<R>): Stream.Stream<PageOut, ApiError, R> => {
  const { keyOf, seen } = options
  const start: Cursor = {
    offset: options.startOffset,
    limit: options.pageSize,
    expected: [],
    previousFirst: undefined,
    previousOffset: -1,
    restarts: 0,
    delivered: options.startOffset,
    moved: false,
    firstTotal: undefined,
    first: true,
    confirming: false
  }
  const step = (cursor: Cursor): Effect.Effect<readonly [PageOut, Option.Option<Cursor>], ApiError, R> =>
    E.flatMap(options.fetch(cursor.offset, options.pageSize), (page) => {
      const rows = page.rows
      const count = rows.length
      const firstKey = count > 0 ? keyOf(rows[0]!) : undefined
      if (
        count > 0 && cursor.previousOffset >= 0 && cursor.offset !== cursor.previousOffset &&
        firstKey === cursor.previousFirst
      ) {
        return E.fail(
          new InvalidResponse({
            request: options.describe(cursor.offset),
            detail: "the API answered the previous page again (it ignores offset); stopping rather than looping"
          })
        )
      }
      let limit = page.limit !== undefined && page.limit > 0 && page.limit < cursor.limit ? page.limit : cursor.limit
      const total = page.total
      // Where this page's new rows start: after the overlap, realigned if the rows moved.
      let from = 0
      let moved = cursor.moved
      let restart = false
      if (cursor.expected.length > 0) {
        const k = cursor.expected.length
        let aligned = count >= k
        for (let i = 0; aligned && i < k; i++) if (keyOf(rows[i]!) !== cursor.expected[i]) aligned = false
        if (aligned) {
          from = k
        } else {
          moved = true
          const expected = new Set(cursor.expected)
          let at = -1
          for (let i = 0; i < count; i++) if (expected.has(keyOf(rows[i]!))) at = i
          if (at >= 0) from = at + 1
          else if (cursor.restarts < options.maxRestarts) restart = true
        }
      }
      const fresh: Array<JsonObject> = []
      for (let i = from; i < count; i++) {
        const row = rows[i]!
        // One hash lookup per row: `add` leaves the size as it was when the key is there already.
        const size = seen.size
        if (seen.add(keyOf(row)).size === size) continue
        fresh.push(row)
      }
      const position = cursor.offset + count
      const delivered = cursor.delivered + fresh.length
      const firstTotal = cursor.first ? total : cursor.firstTotal
      if (restart) {
        const next: Cursor = {
          ...cursor,
          offset: 0,
          expected: [],
          previousFirst: undefined,
          previousOffset: -1,
          restarts: cursor.restarts + 1,
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
          total,
          firstTotal,
          first: cursor.first,
          last: false,
          moved: true
        }
        return E.succeed([out, Option.some(next)] as const)
      }
      // Is there more? A full page says maybe; a short one is the end unless the total says more
      // (the server capped the limit silently) or the page overshoots the total (confirm once).
      let more = false
      let confirming = false
      if (count > 0 && count >= limit) more = true
      else if (count > 0 && total !== undefined && position < total) {
        limit = count
        more = true
      } else if (count > 0 && total !== undefined && position > total && !cursor.confirming) {
        more = true
        confirming = true
      }
      const overlap = Math.min(options.overlap, count, Math.max(0, limit - 1))
      const next: Cursor = {
        offset: position - overlap,
        limit,
        expected: overlap > 0 ? rows.slice(count - overlap).map(keyOf) : [],
        previousFirst: firstKey,
        previousOffset: cursor.offset,
        restarts: cursor.restarts,
        delivered,
        moved,
        firstTotal,
        first: false,
        confirming
      }
      const out: PageOut = {
        rows: fresh,
        delivered,
        position,
        total,
        firstTotal,
        first: cursor.first,
        last: !more,
        moved
      }
      return E.succeed([out, more ? Option.some(next) : Option.none()] as const)
    })
  return Stream.paginateEffect(start, step)
}
