/**
 * The paginator against an in-memory server whose rows move between page requests: deletions and
 * insertions before the read position, lying totals, silently capped or echoed limits, and a
 * server that ignores offset. Every row present for the whole pass must be delivered exactly once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { KeySet } from "../../../src/airbyte/KeySet.js"
import type { Page, PageOut } from "../../../src/airbyte/Paginator.js"
import { paginate } from "../../../src/airbyte/Paginator.js"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"

interface Server {
  ids: Array<number>
  calls: Array<{ offset: number; limit: number }>
  /** Called before each request is answered (n = request index). */
  before?: (n: number, server: Server) => void
  cap?: number
  echoLimit?: boolean
  total?: (ids: ReadonlyArray<number>) => number | undefined
  ignoreOffset?: boolean
}

const server = (count: number, extra: Partial<Server> = {}): Server => ({
  ids: Array.from({ length: count }, (_, i) => i + 1),
  calls: [],
  ...extra
})

const fetchFrom = (s: Server) => (offset: number, limit: number): Effect.Effect<Page> =>
  Effect.sync(() => {
    s.before?.(s.calls.length, s)
    s.calls.push({ offset, limit })
    const applied = Math.min(limit, s.cap ?? limit)
    const start = s.ignoreOffset ? 0 : offset
    const rows: Array<JsonObject> = s.ids.slice(start, start + applied).map((id) => ({ id }))
    return { rows, total: s.total ? s.total(s.ids) : s.ids.length, limit: s.echoLimit ? applied : undefined }
  })

const run = (
  s: Server,
  pageSize: number,
  overlap = 2,
  startOffset = 0,
  startKeys?: ReadonlyArray<unknown>,
  maxRestarts = 3
) =>
  Effect.gen(function*() {
    const seen = new KeySet()
    const result = yield* Stream.runCollect(
      paginate({
        fetch: fetchFrom(s),
        keyOf: (row) => row["id"],
        pageSize,
        startOffset,
        overlap,
        seen,
        maxRestarts,
        ...(startKeys === undefined ? {} : { startKeys }),
        offsetIgnored: (offset) => ({ _tag: "OffsetIgnored", offset })
      })
    ).pipe(Effect.either)
    return Either.map(result, (chunk) => {
      const pages = Chunk.toArray(chunk) as Array<PageOut>
      return { pages, ids: pages.flatMap((page) => page.rows.map((row) => row["id"] as number)) }
    })
  })

const ok = <A>(result: Either.Either<A, unknown>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got ${String(result.left)}`)
  return result.right
}

describe("paginate", () => {
  it.effect("re-requests the last rows of each page and delivers every row once, in order", () =>
    Effect.gen(function*() {
      const s = server(12)
      const { ids, pages } = ok(yield* run(s, 5))
      expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
      expect(s.calls.map((c) => c.offset)).toEqual([0, 3, 6, 9])
      expect(pages.at(-1)!.last).toBe(true)
      expect(pages.some((page) => page.moved)).toBe(false)
    }))

  it.effect("a row deleted before the read position between pages skips nothing (realigned) and reports the move", () =>
    Effect.gen(function*() {
      const s = server(20, { before: (n, srv) => void (n === 2 && srv.ids.splice(1, 1)) })
      const { ids, pages } = ok(yield* run(s, 5))
      const expected = Array.from({ length: 20 }, (_, i) => i + 1).filter((id) => id !== 2)
      expect(ids.filter((id) => id !== 2)).toEqual(expected)
      expect(new Set(ids).size).toBe(ids.length)
      expect(pages.at(-1)!.moved).toBe(true)
    }))

  it.effect("one deletion before every page (the overlapped last row included) still delivers every surviving row", () =>
    Effect.gen(function*() {
      const s = server(40, { before: (n, srv) => void (n > 0 && srv.ids.splice(srv.calls.at(-1)!.offset + 4, 1)) })
      const original = s.ids.slice()
      const { ids } = ok(yield* run(s, 5))
      const survivors = original.filter((id) => s.ids.includes(id))
      for (const id of survivors) expect(ids).toContain(id)
      expect(new Set(ids).size).toBe(ids.length)
    }))

  it.effect("rows inserted before the read position are not delivered twice", () =>
    Effect.gen(function*() {
      let next = 100
      const s = server(15, { before: (n, srv) => void (n > 0 && srv.ids.unshift(next++)) })
      const original = s.ids.slice()
      const { ids, pages } = ok(yield* run(s, 5))
      for (const id of original) expect(ids).toContain(id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(pages.at(-1)!.moved).toBe(true)
    }))

  it.effect("many rows deleted at once (more than the overlap) restart the pass without loss or duplicates", () =>
    Effect.gen(function*() {
      const s = server(30, { before: (n, srv) => void (n === 2 && srv.ids.splice(0, 6)) })
      const { ids, pages } = ok(yield* run(s, 5))
      for (let id = 7; id <= 30; id++) expect(ids).toContain(id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(s.calls.filter((c) => c.offset === 0)).toHaveLength(2)
      expect(pages.at(-1)!.moved).toBe(true)
    }))

  it.effect("a server that caps limit silently, with an honest total, is read to the end", () =>
    Effect.gen(function*() {
      const s = server(23, { cap: 4 })
      const { ids } = ok(yield* run(s, 10))
      expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
    }))

  it.effect("a smaller limit echoed by the server is the one that decides whether a page is full", () =>
    Effect.gen(function*() {
      const s = server(23, { cap: 4, echoLimit: true, total: () => undefined })
      const { ids } = ok(yield* run(s, 10))
      expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
    }))

  it.effect("a total that is too small (or 0) never ends the read early", () =>
    Effect.gen(function*() {
      for (const lie of [() => 0, () => 3, (ids: ReadonlyArray<number>) => ids.length - 4]) {
        const s = server(17, { total: lie })
        const { ids } = ok(yield* run(s, 5))
        expect(ids).toEqual(Array.from({ length: 17 }, (_, i) => i + 1))
      }
    }))

  it.effect("a short page that overshoots a small total is confirmed with exactly one more request", () =>
    Effect.gen(function*() {
      const s = server(4, { total: () => 2 })
      const { ids } = ok(yield* run(s, 5))
      expect(ids).toEqual([1, 2, 3, 4])
      expect(s.calls.map((c) => c.offset)).toEqual([0, 2])
    }))

  it.effect("a short page matching the total ends the read with one request", () =>
    Effect.gen(function*() {
      const s = server(4)
      ok(yield* run(s, 5))
      expect(s.calls).toHaveLength(1)
    }))

  it.effect("refuses to loop on a server that ignores offset: the same page again, and far past the end, then the source's error", () =>
    Effect.gen(function*() {
      const s = server(50, { ignoreOffset: true })
      const result = yield* run(s, 5)
      expect(s.calls.map((c) => c.offset)).toEqual([0, 3, 1_000_003])
      expect(Either.isLeft(result) && (result.left as { _tag: string })._tag).toBe("OffsetIgnored")
    }))

  it.effect("page size − overlap rows inserted before the read position, twice in a row (the same page three times), is a shift, not an ignored offset", () =>
    Effect.gen(function*() {
      let next = 100
      const s = server(20, {
        before: (n, srv) => {
          if (n === 1 || n === 2) { for (let i = 0; i < 3; i++) srv.ids.unshift(next++) }
        }
      })
      const original = s.ids.slice()
      const { ids, pages } = ok(yield* run(s, 5))
      for (const id of original) expect(ids).toContain(id)
      expect(new Set(ids).size).toBe(ids.length)
      expect(pages.at(-1)!.missed).toBe(false)
    }))

  it.effect("a realignment that found its rows lost nothing: moved, not missed", () =>
    Effect.gen(function*() {
      const s = server(20, { before: (n, srv) => void (n === 2 && srv.ids.splice(1, 1)) })
      const { pages } = ok(yield* run(s, 5))
      expect(pages.at(-1)!.moved).toBe(true)
      expect(pages.at(-1)!.missed).toBe(false)
    }))

  it.effect("rows moved too far with no restart left: the pass goes on and reports missed", () =>
    Effect.gen(function*() {
      const s = server(30, { before: (n, srv) => void (n === 2 && srv.ids.splice(0, 6)) })
      const { pages } = ok(yield* run(s, 5, 2, 0, undefined, 0))
      expect(pages.at(-1)!.missed).toBe(true)
    }))

  it.effect("a resume asks again for the rows its checkpoint recorded: a row deleted before them skips nothing", () =>
    Effect.gen(function*() {
      const s = server(12)
      s.ids.splice(0, 1) // row 1 deleted between the failed sync and its resume: row 6 slid to offset 4
      const { ids, pages } = ok(yield* run(s, 5, 2, 5, [4, 5]))
      expect(s.calls[0]!.offset).toBe(3)
      expect(ids).toEqual([6, 7, 8, 9, 10, 11, 12])
      expect(pages.at(-1)!.missed).toBe(false)
    }))

  it.effect("a resume whose recorded rows are gone restarts the pass from offset 0 and delivers every row", () =>
    Effect.gen(function*() {
      const s = server(12)
      s.ids.splice(0, 5)
      const { ids } = ok(yield* run(s, 5, 2, 5, [4, 5]))
      expect([...ids].sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12])
      expect(s.calls.filter((c) => c.offset === 0)).toHaveLength(1)
    }))

  it.effect("a resume starts at its offset and counts the rows before it as delivered", () =>
    Effect.gen(function*() {
      const s = server(12)
      const { ids, pages } = ok(yield* run(s, 5, 2, 5))
      expect(ids).toEqual([6, 7, 8, 9, 10, 11, 12])
      expect(pages.at(-1)!.delivered).toBe(12)
      expect(pages.at(-1)!.position).toBe(12)
    }))
})
