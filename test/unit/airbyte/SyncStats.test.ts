/**
 * The runner's `SyncStats` with the TestClock: requests and retries counted to the stream named
 * in `currentStream` (also from fibers the stream forks; outside any stream to their own bucket),
 * time waited for the rate limit counted once however many requests wait together, partitions
 * done of the total, the last line of a sync, and the estimate of what is left.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Fiber, TestClock } from "effect"
import * as SyncStats from "../../../src/airbyte/SyncStats.js"

const inStream = (name: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.locally(self, SyncStats.currentStream, name)

describe("SyncStats", () => {
  it.effect("counts each request and retry to the stream whose read it runs in, forked fibers included", () =>
    Effect.gen(function*() {
      const stats = yield* SyncStats.make
      yield* Effect.gen(function*() {
        yield* stats.streamStarted("leads")
        yield* Effect.all([SyncStats.countRequest, SyncStats.countRequest, SyncStats.countRetry]).pipe(
          inStream("leads")
        )
        const forked = yield* Effect.fork(Effect.all([SyncStats.countRequest, SyncStats.countRequest])).pipe(
          inStream("leads")
        )
        yield* Fiber.join(forked)
        yield* stats.streamStarted("campaigns")
        yield* SyncStats.countRequest.pipe(inStream("campaigns"))
        yield* SyncStats.countRequest
      }).pipe(Effect.provideService(SyncStats.SyncStats, stats))
      stats.addRecords("leads", 12_345)
      const snapshot = yield* stats.snapshot
      expect(snapshot.streams.map(({ name, requests, retries }) => ({ name, requests, retries }))).toEqual([
        { name: "leads", requests: 4, retries: 1 },
        { name: "campaigns", requests: 1, retries: 0 },
        { name: SyncStats.OUTSIDE_STREAMS, requests: 1, retries: 0 }
      ])
      expect(snapshot.current).toBe("campaigns")
      expect(SyncStats.summary(snapshot, "done")).toBe(
        "Sync done: 6 requests (leads 4, campaigns 1, outside streams 1), 1 retried, 0 s waited for the rate limit, 12,345 records"
      )
    }))

  it.effect("reports nothing, and fails nothing, where no SyncStats is provided", () =>
    Effect.gen(function*() {
      yield* SyncStats.countRequest
      yield* SyncStats.countRetry
      yield* SyncStats.partitionsKnown(3, "campaign")
      yield* SyncStats.partitionDone
      expect(yield* SyncStats.waitingForRateLimit(Effect.succeed(7))).toBe(7)
    }))

  it.effect("counts the time at least one request waited for the rate limit, once however many wait", () =>
    Effect.gen(function*() {
      const stats = yield* SyncStats.make
      const wait = (fromMs: number, forMs: number) =>
        Effect.sleep(fromMs).pipe(
          Effect.zipRight(SyncStats.waitingForRateLimit(Effect.sleep(forMs))),
          Effect.provideService(SyncStats.SyncStats, stats),
          Effect.fork
        )
      // 0–3 s and 1–5 s overlap (5 s), 10–12 s alone (2 s).
      const fibers = yield* Effect.all([wait(0, 3000), wait(1000, 4000), wait(10_000, 2000)])
      yield* TestClock.adjust(4000)
      expect((yield* stats.snapshot).waitedMs).toBe(4000)
      yield* TestClock.adjust(10_000)
      yield* Effect.forEach(fibers, Fiber.join)
      const snapshot = yield* stats.snapshot
      expect(snapshot.waitedMs).toBe(7000)
      expect(SyncStats.summary(snapshot, "failed")).toBe(
        "Sync failed: 0 requests, 0 retried, 7 s waited for the rate limit, 0 records"
      )
    }))

  it.effect("estimates what is left from the partitions done and the time they took", () =>
    Effect.gen(function*() {
      const stats = yield* SyncStats.make
      const provided = <A, E, R>(self: Effect.Effect<A, E, R>) =>
        self.pipe(inStream("leads"), Effect.provideService(SyncStats.SyncStats, stats))
      yield* TestClock.adjust(5000)
      yield* stats.streamStarted("leads")
      yield* provided(SyncStats.partitionsKnown(10, "campaign"))
      expect(SyncStats.remainingMs(yield* stats.snapshot)).toBeUndefined()
      yield* TestClock.adjust(30_000)
      yield* provided(Effect.all([SyncStats.partitionDone, SyncStats.partitionDone]))
      const snapshot = yield* stats.snapshot
      expect(snapshot.streams[0]!.partitions).toEqual({ total: 10, done: 2, noun: "campaign" })
      // 2 of 10 in 30 s: 8 more take 120 s.
      expect(SyncStats.remainingMs(snapshot)).toBe(120_000)
      yield* stats.streamEnded("leads")
      expect(SyncStats.remainingMs(yield* stats.snapshot)).toBeUndefined()
    }))

  it.effect("estimates from the rows estimated when no partition is done yet", () =>
    Effect.gen(function*() {
      const stats = yield* SyncStats.make
      yield* stats.streamStarted("email_accounts")
      yield* TestClock.adjust(20_000)
      stats.setEstimate("email_accounts", 1000)
      stats.addRecords("email_accounts", 250)
      // 250 of 1,000 rows in 20 s: 750 more take 60 s.
      expect(SyncStats.remainingMs(yield* stats.snapshot)).toBe(60_000)
    }))

  it("writes durations for people", () => {
    expect([0, 400, 9_940, 41_000, 200_000, 3_600_000, 7_530_000].map(SyncStats.duration)).toEqual([
      "0 s",
      "0.4 s",
      "9.9 s",
      "41 s",
      "3 min 20 s",
      "1 h",
      "2 h 6 min"
    ])
  })

  it("writes counts as en-US does, without loading ICU", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.nat({ max: 1e15 }), fc.double({ min: -1e12, max: 1e12, noNaN: true })),
        (n) => {
          expect(SyncStats.count(n)).toBe(n.toLocaleString("en-US"))
        }
      ),
      { numRuns: 500 }
    )
    expect([0, 999, 1000, 3704, 1234567, -1000].map(SyncStats.count)).toEqual([
      "0",
      "999",
      "1,000",
      "3,704",
      "1,234,567",
      "-1,000"
    ])
  })
})
