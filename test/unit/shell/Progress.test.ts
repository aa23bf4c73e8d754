/**
 * The shell's progress display with the TestClock and a fake stderr: what the line says, one line
 * redrawn in place (at most every 250 ms, only when it changed, cut to the terminal's width) on a
 * terminal, a plain line every interval elsewhere, the line cleared before other stderr text, and
 * `finish` leaving stderr clean with the sync's last line.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import type { Stderr } from "../../../src/airbyte/Output.js"
import * as SyncStats from "../../../src/airbyte/SyncStats.js"
import * as Progress from "../../../src/shell/Progress.js"

const fakeStderr = (isTerminal: boolean, columns?: number) => {
  const writes: Array<string> = []
  const stderr: Stderr = { write: (text) => void writes.push(text), isTerminal, columns }
  return { stderr, writes }
}

/** A sync reading `leads` over 10 campaigns since 0 s, with 2 done and 1,234 records at 30 s. */
const leadsUnderWay = Effect.gen(function*() {
  const stats = yield* SyncStats.make
  const provided = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.locally(self, SyncStats.currentStream, "leads").pipe(Effect.provideService(SyncStats.SyncStats, stats))
  yield* stats.streamStarted("leads")
  yield* provided(SyncStats.partitionsKnown(10, "campaign"))
  yield* provided(Effect.all([SyncStats.countRequest, SyncStats.countRequest, SyncStats.countRequest]))
  yield* provided(SyncStats.waitingForRateLimit(Effect.sleep(4000)).pipe(Effect.fork))
  return { stats, provided }
})

const advanceTo30s = (
  stats: SyncStats.SyncStatsShape,
  provided: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    yield* TestClock.adjust(30_000)
    yield* provided(Effect.all([SyncStats.partitionDone, SyncStats.partitionDone]))
    stats.addRecords("leads", 1234)
  })

describe("the progress line", () => {
  it.effect("names the stream, campaigns done of the total, records, requests, the wait, elapsed and what is left", () =>
    Effect.gen(function*() {
      const { provided, stats } = yield* leadsUnderWay
      yield* advanceTo30s(stats, provided)
      expect(Progress.line(yield* stats.snapshot)).toBe(
        "leads: 2 of 10 campaigns, 1,234 records, 3 requests, 4 s waited for the rate limit, 30 s elapsed, about 2 min left"
      )
    }))

  it.effect("says what it can before a stream starts or a partition ends", () =>
    Effect.gen(function*() {
      const stats = yield* SyncStats.make
      expect(Progress.line(yield* stats.snapshot)).toBe(
        "starting: 0 requests, 0 s waited for the rate limit, 0 s elapsed"
      )
      yield* stats.streamStarted("campaigns")
      stats.addRecords("campaigns", 1)
      expect(Progress.line(yield* stats.snapshot)).toBe(
        "campaigns: 1 record, 0 requests, 0 s waited for the rate limit, 0 s elapsed"
      )
    }))

  it("is cut to the terminal's width", () => {
    expect(Progress.fit("abcdefghij", 11)).toBe("abcdefghij")
    expect(Progress.fit("abcdefghij", 10)).toBe("abcdefgh…")
    expect(Progress.fit("abcdefghij", undefined)).toBe("abcdefghij")
  })
})

describe("on a terminal", () => {
  it.scoped("redraws one line in place at most every 250 ms, only when it changed, and finishes clean", () =>
    Effect.gen(function*() {
      const { provided, stats } = yield* leadsUnderWay
      const { stderr, writes } = fakeStderr(true, 200)
      const progress = yield* Progress.start({ stats, stderr, intervalMs: 10_000 })
      yield* TestClock.adjust(249)
      expect(writes).toEqual([])
      yield* TestClock.adjust(1)
      expect(writes).toEqual([
        `${Progress.CLEAR_LINE}leads: 0 of 10 campaigns, 0 records, 3 requests, 0.3 s waited for the rate limit, 0.3 s elapsed`
      ])
      yield* TestClock.adjust(29_500)
      // 120 redraws in 30 s at most; the time shown changes each tenth of a second until 10 s, then each second.
      expect(writes.length).toBeLessThanOrEqual(121)
      expect(writes.length).toBeGreaterThan(30)
      expect(writes.every((text) => text.startsWith(Progress.CLEAR_LINE) && !text.includes("\n"))).toBe(true)
      writes.length = 0
      yield* provided(Effect.all([SyncStats.partitionDone, SyncStats.partitionDone]))
      stats.addRecords("leads", 1234)
      yield* TestClock.adjust(250)
      expect(writes).toEqual([
        `${Progress.CLEAR_LINE}leads: 2 of 10 campaigns, 1,234 records, 3 requests, 4 s waited for the rate limit, 30 s elapsed, about 2 min left`
      ])
      // Other stderr text clears the line first; the line is drawn again at the next tick.
      expect(progress.before("warn: slow\n")).toBe(`${Progress.CLEAR_LINE}warn: slow\n`)
      expect(progress.before("warn: again\n")).toBe("warn: again\n")
      writes.length = 0
      yield* TestClock.adjust(250)
      expect(writes).toHaveLength(1)
      writes.length = 0
      yield* progress.finish("Sync done: 3 requests (leads 3), 0 retried, 4 s waited for the rate limit, 1,234 records")
      expect(writes).toEqual([
        `${Progress.CLEAR_LINE}info: Sync done: 3 requests (leads 3), 0 retried, 4 s waited for the rate limit, 1,234 records\n`
      ])
      yield* TestClock.adjust(10_000)
      expect(writes).toHaveLength(1)
    }))

  it.scoped("fits the line to a narrow terminal", () =>
    Effect.gen(function*() {
      const { stats } = yield* leadsUnderWay
      const { stderr, writes } = fakeStderr(true, 40)
      yield* Progress.start({ stats, stderr, intervalMs: 10_000 })
      yield* TestClock.adjust(250)
      expect(writes[0]).toBe(`${Progress.CLEAR_LINE}leads: 0 of 10 campaigns, 0 records, 3…`)
    }))
})

describe("elsewhere (a file, a pipe)", () => {
  it.scoped("writes a plain line every interval, and only the last line at the end", () =>
    Effect.gen(function*() {
      const { provided, stats } = yield* leadsUnderWay
      const { stderr, writes } = fakeStderr(false)
      const progress = yield* Progress.start({ stats, stderr, intervalMs: 10_000 })
      yield* TestClock.adjust(9_999)
      expect(writes).toEqual([])
      yield* TestClock.adjust(1)
      yield* TestClock.adjust(20_000)
      yield* provided(Effect.all([SyncStats.partitionDone, SyncStats.partitionDone]))
      yield* TestClock.adjust(10_000)
      expect(writes).toEqual([
        "progress: leads: 0 of 10 campaigns, 0 records, 3 requests, 4 s waited for the rate limit, 10 s elapsed\n",
        "progress: leads: 0 of 10 campaigns, 0 records, 3 requests, 4 s waited for the rate limit, 20 s elapsed\n",
        "progress: leads: 0 of 10 campaigns, 0 records, 3 requests, 4 s waited for the rate limit, 30 s elapsed\n",
        // 2 of 10 in 40 s: the 8 left take 160 s at that pace.
        "progress: leads: 2 of 10 campaigns, 0 records, 3 requests, 4 s waited for the rate limit, 40 s elapsed, about 2 min 40 s left\n"
      ])
      expect(progress.before("warn: slow\n")).toBe("warn: slow\n")
      writes.length = 0
      yield* progress.finish("Sync done: …")
      expect(writes).toEqual(["info: Sync done: …\n"])
      yield* progress.finish(undefined)
      expect(writes).toHaveLength(1)
    }))
})
