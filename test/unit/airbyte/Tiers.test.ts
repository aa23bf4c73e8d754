/**
 * Read schedules by tier, on `TestClock`: the slot rule (each inactive partition once per
 * interval, at a phase of its own, spread over the syncs of the interval), and the engine over
 * hourly syncs: which partition is read when, across a status change, with nothing to read, the
 * statistics-style lookback on its slow clock, and snapshot streams (their `fetched_at` stamp and
 * per-partition fetch times). No HTTP, no SmartLead.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Data, Effect, Either, Stream, TestClock } from "effect"
import * as Cursor from "../../../src/airbyte/Cursor.js"
import type { Page } from "../../../src/airbyte/Paginator.js"
import type { Definition, Query, Settings } from "../../../src/airbyte/Partitioned.js"
import * as Partitioned from "../../../src/airbyte/Partitioned.js"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"
import type { StreamEvent } from "../../../src/airbyte/Source.js"
import * as Tiers from "../../../src/airbyte/Tiers.js"

class Boom extends Data.TaggedError("Boom")<Record<never, never>> {}

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.parse("2025-06-01T00:00:00Z")
const KEYS: Cursor.Keys = { cursor: "created_at", partitions: "campaigns" }

describe("the slot rule", () => {
  it("a partition done at any time is due again at its next slot, at most one interval later, not before", () => {
    for (const id of ["1", "42", "2710262", "abc"]) {
      const phase = Tiers.phase(id, DAY)
      expect(phase).toBeGreaterThanOrEqual(0)
      expect(phase).toBeLessThan(DAY)
      for (const doneAt of [T0, T0 + 5 * HOUR + 17, T0 + phase, T0 + phase - 1]) {
        const next = Tiers.nextDue(id, doneAt, DAY)
        expect(next).toBeGreaterThan(doneAt)
        expect(next - doneAt).toBeLessThanOrEqual(DAY)
        expect(Tiers.isDue(id, doneAt, next - 1, DAY)).toBe(false)
        expect(Tiers.isDue(id, doneAt, next, DAY)).toBe(true)
        expect(Tiers.isDue(id, doneAt, doneAt, DAY)).toBe(false)
      }
    }
  })

  it("spread: a tier's partitions get phases evenly spaced over the interval, so hourly syncs read N / 24 each, give or take one", () => {
    const ids = Array.from({ length: 250 }, (_, i) => String(2_710_262 + i * 7))
    const phases = Tiers.spread(ids, DAY)
    const readAt = new Map(ids.map((id) => [id, T0]))
    const perSync: Array<number> = []
    for (let hour = 1; hour <= 48; hour++) {
      const now = T0 + hour * HOUR
      const due = ids.filter((id) => Tiers.isDue(id, readAt.get(id), now, DAY, phases.get(id)))
      for (const id of due) readAt.set(id, now)
      perSync.push(due.length)
    }
    expect(perSync.reduce((a, b) => a + b, 0)).toBe(500)
    expect(Math.min(...perSync)).toBeGreaterThanOrEqual(10)
    expect(Math.max(...perSync)).toBeLessThanOrEqual(11)
  })

  it("never done or an interval of 0 is always due", () => {
    expect(Tiers.isDue("1", undefined, T0, DAY)).toBe(true)
    expect(Tiers.isDue("1", T0, T0, 0)).toBe(true)
  })

  it("240 partitions read together are spread over the next day's hourly syncs, each read exactly once", () => {
    const ids = Array.from({ length: 240 }, (_, i) => String(2_710_262 + i))
    const readAt = new Map(ids.map((id) => [id, T0]))
    const perSync: Array<number> = []
    for (let hour = 1; hour <= 24; hour++) {
      const now = T0 + hour * HOUR
      const due = ids.filter((id) => Tiers.isDue(id, readAt.get(id), now, DAY))
      for (const id of due) readAt.set(id, now)
      perSync.push(due.length)
    }
    expect(perSync.reduce((a, b) => a + b, 0)).toBe(240)
    // an even spread is 10 a sync; a hash never lumps a third of them into one sync
    expect(Math.max(...perSync)).toBeLessThanOrEqual(24)
    expect(perSync.filter((n) => n > 0).length).toBeGreaterThanOrEqual(20)
  })
})

/** An API of partitions whose rows were created at given instants; each request takes 1 s. */
class FakeApi {
  readonly calls: Array<{ partition: string; query: Query; offset: number }> = []
  constructor(readonly rows: Map<string, Array<number>>) {}
  fetch = (partition: string, query: Query, offset: number, limit: number): Effect.Effect<Page, Boom> =>
    Effect.gen(this, function*() {
      this.calls.push({ partition, query, offset })
      yield* Effect.sleep(1000)
      const matching = (this.rows.get(partition) ?? []).filter((at) =>
        (query.from === undefined || at > query.from) &&
        (query.activitySince === undefined || false)
      )
      return {
        rows: matching.slice(offset, offset + limit).map((at) => ({
          id: `${partition}-${at}`,
          created_at: new Date(at).toISOString()
        })),
        total: matching.length
      }
    })
  /** The partitions requested since the last call. */
  take = (): Array<string> => {
    const seen = [...new Set(this.calls.map((call) => call.partition))]
    this.calls.length = 0
    return seen.sort()
  }
}

const settings = (overrides: Partial<Settings>): Settings => ({
  pageSize: 50,
  concurrency: 1,
  startDate: undefined,
  lookbackMs: 0,
  reconcileMs: undefined,
  sweep: false,
  dropBeforeFrom: false,
  checkpointIntervalMs: 60_000,
  intervalMs: DAY,
  ...overrides
})

const definition = (
  api: FakeApi,
  partitions: ReadonlyArray<Tiers.Partition>,
  overrides: Partial<Settings> = {}
): Definition<Boom, never> => ({
  name: "items",
  keys: KEYS,
  keyOf: (row) => row["id"],
  partitions: Effect.succeed(partitions),
  fetch: api.fetch,
  settings: settings(overrides),
  failures: { isFatal: () => true, describe: () => "boom" },
  offsetIgnored: () => new Boom()
})

/** One sync on the test clock (requests sleep; the clock is adjusted while the sync runs); its last state. */
const sync = (stream: Stream.Stream<StreamEvent, unknown>) =>
  Effect.gen(function*() {
    const events: Array<StreamEvent> = []
    const fiber = yield* Effect.fork(Stream.runForEach(stream, (event) => Effect.sync(() => events.push(event))))
    for (let i = 0; i < 1000; i++) {
      yield* TestClock.adjust(1000)
      if ((yield* fiber.poll)._tag === "Some") break
    }
    yield* fiber.await
    const last = events.filter((event) => event._tag === "Checkpoint").at(-1)
    if (last === undefined || last._tag !== "Checkpoint") return { events, state: undefined }
    const decoded = Cursor.decode(KEYS, last.state)
    if (Either.isLeft(decoded)) throw new Error(decoded.left)
    return { events, state: decoded.right }
  })

/** Moves the test clock to `at` (syncs take a few seconds, so they start on the hour). */
const at = (ms: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => TestClock.adjust(Math.max(0, ms - now)))

describe("the engine reads partitions by tier", () => {
  it.effect("active every sync; inactive at its slot, at once on a status change; nothing of cadence never", () =>
    Effect.gen(function*() {
      const rows = new Map([["11", [T0 - DAY]], ["12", [T0 - 2 * DAY]], ["13", [T0 - 3 * DAY]]])
      const api = new FakeApi(rows)
      let partitions: Array<Tiers.Partition> = [
        { id: "11", cadence: "sync", label: "ACTIVE" },
        { id: "12", cadence: "interval", label: "PAUSED" },
        { id: "13", cadence: "never", label: "DRAFTED" }
      ]
      yield* at(T0)
      const first = yield* sync(Partitioned.incremental(definition(api, partitions), undefined))
      expect(api.take()).toEqual(["11", "12"])
      // the inactive partition records its read and its label; the active one neither
      expect(first.state?.partitions?.get("12")).toMatchObject({ refreshedAt: T0, label: "PAUSED" })
      expect(first.state?.partitions?.get("11")?.label).toBeUndefined()
      expect(first.state?.partitions?.get("13")).toBeUndefined()

      // hourly syncs before 12's slot: only 11
      const slot = Tiers.nextDue("12", T0, DAY)
      let state = first.state
      let hour = T0 + HOUR
      for (; hour < slot; hour += HOUR) {
        yield* at(hour)
        state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
        expect(api.take(), new Date(hour).toISOString()).toEqual(["11"])
      }
      // the first sync at or after its slot reads b, and only that one
      yield* at(hour)
      state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
      expect(api.take()).toEqual(["11", "12"])
      expect(state?.partitions?.get("12")?.refreshedAt).toBe(hour)
      yield* at(hour + HOUR)
      state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
      expect(api.take()).toEqual(["11"])

      // a status change is read at once: PAUSED → STOPPED (still inactive), DRAFTED → ACTIVE
      partitions = [
        { id: "11", cadence: "sync", label: "ACTIVE" },
        { id: "12", cadence: "interval", label: "STOPPED" },
        { id: "13", cadence: "sync", label: "ACTIVE" }
      ]
      yield* at(hour + 2 * HOUR)
      state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
      expect(api.take()).toEqual(["11", "12", "13"])
      expect(state?.partitions?.get("12")?.label).toBe("STOPPED")
      yield* at(hour + 3 * HOUR)
      state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
      expect(api.take()).toEqual(["11", "13"])

      // an active partition that stops is read at once (it has no label on record), then on its slot
      partitions = partitions.map((p) => (p.id === "11" ? { id: "11", cadence: "interval", label: "COMPLETED" } : p))
      yield* at(hour + 4 * HOUR)
      state = (yield* sync(Partitioned.incremental(definition(api, partitions), state))).state
      expect(api.take()).toEqual(
        // (two inactive partitions now: the engine spreads their phases over the day)
        ["11", "12", "13"].filter((id) =>
          id !== "12" ||
          Tiers.isDue("12", hour + 2 * HOUR, hour + 4 * HOUR, DAY, Tiers.spread(["11", "12"], DAY).get("12"))
        )
      )
      expect(state?.partitions?.get("11")).toMatchObject({ label: "COMPLETED", refreshedAt: hour + 4 * HOUR })
    }))

  it.effect("an interval of 0 reads every partition every sync", () =>
    Effect.gen(function*() {
      const api = new FakeApi(new Map([["11", [T0 - DAY]], ["12", [T0 - DAY]]]))
      const partitions: Array<Tiers.Partition> = [{ id: "11", cadence: "sync" }, { id: "12", cadence: "interval" }]
      yield* at(T0)
      let state =
        (yield* sync(Partitioned.incremental(definition(api, partitions, { intervalMs: 0 }), undefined))).state
      for (let hour = 1; hour <= 3; hour++) {
        api.take()
        yield* at(T0 + hour * HOUR)
        state = (yield* sync(Partitioned.incremental(definition(api, partitions, { intervalMs: 0 }), state))).state
        expect(api.take()).toEqual(["11", "12"])
      }
    }))

  it.effect("a pass under way is resumed by the next sync even when its partition is not due", () =>
    Effect.gen(function*() {
      const api = new FakeApi(new Map([["12", Array.from({ length: 120 }, (_, i) => T0 - DAY + i * 1000)]]))
      const partitions: Array<Tiers.Partition> = [{ id: "12", cadence: "interval", label: "PAUSED" }]
      yield* at(T0)
      // a state whose pass of b stopped at offset 50 (its first page), read an hour ago
      const input: Cursor.State = {
        cursor: undefined,
        partitions: new Map([["12", {
          cursor: undefined,
          offset: 50,
          pass: {
            from: undefined,
            full: true,
            startedAt: T0 - HOUR,
            lastKeys: [`12-${T0 - DAY + 48_000}`, `12-${T0 - DAY + 49_000}`]
          },
          refreshedAt: T0 - HOUR,
          label: "PAUSED"
        }]])
      }
      const { events, state } = yield* sync(Partitioned.incremental(definition(api, partitions), input))
      expect(api.calls[0]).toMatchObject({ partition: "12", offset: 48 })
      const delivered = events.flatMap((
        event
      ) => (event._tag === "Records" ? event.records.map((row) => row["id"]) : []))
      expect(new Set(delivered).size).toBe(70)
      expect(state?.partitions?.get("12")?.offset).toBeUndefined()
    }))

  it.effect("the lookback on its slow clock: from the cursor between slots, the window before the cursor at the slot", () =>
    Effect.gen(function*() {
      const LOOKBACK = 14 * DAY
      // 11: rows every hour up to now (an active campaign); 12: its last row 46 days ago (a finished one)
      const rows = new Map([
        ["11", Array.from({ length: 30 * 24 }, (_, i) => T0 - 30 * DAY + i * HOUR)],
        ["12", Array.from({ length: 100 }, (_, i) => T0 - 50 * DAY + i * HOUR)]
      ])
      const api = new FakeApi(rows)
      const partitions: Array<Tiers.Partition> = [{ id: "11", cadence: "sync" }, { id: "12", cadence: "sync" }]
      const def = () => definition(api, partitions, { lookbackMs: LOOKBACK, refreshMs: DAY, pageSize: 1000 })
      // the engine spreads the two partitions' re-reads evenly over the day
      const phases = Tiers.spread(["11", "12"], DAY)
      yield* at(T0 + 2 * HOUR)
      let state = (yield* sync(Partitioned.incremental(def(), undefined))).state
      const cursor11 = state!.partitions!.get("11")!.cursor!
      const cursor12 = state!.partitions!.get("12")!.cursor!
      expect(state!.partitions!.get("11")!.refreshedAt).toBe(T0 + 2 * HOUR)
      api.calls.length = 0
      // next hour: not the slot of either (unless it falls in this hour): from the cursor
      const now = T0 + 3 * HOUR
      yield* at(now)
      state = (yield* sync(Partitioned.incremental(def(), state))).state
      for (const [id, cursor] of [["11", cursor11], ["12", cursor12]] as const) {
        const from = api.calls.find((call) => call.partition === id)!.query.from
        if (Tiers.isDue(id, T0 + 2 * HOUR, now, DAY, phases.get(id))) {
          // at its slot: the window before the cursor
          expect(from).toBe(cursor - LOOKBACK - 1)
        } else {
          expect(from).toBe(cursor - 1)
        }
      }
      // 12's newest row is 46 days old: at its slot it still re-reads the 14 days before its cursor
      // (its last rows may get replies late), whatever the sync's time
      const slot12 = Tiers.nextDue("12", T0 + 2 * HOUR, DAY, phases.get("12"))
      api.calls.length = 0
      yield* at(Math.max(slot12, now + HOUR))
      state = (yield* sync(Partitioned.incremental(def(), state))).state
      expect(api.calls.find((call) => call.partition === "12")!.query.from).toBe(cursor12 - LOOKBACK - 1)
      // 11's slot: the last 14 days again, then its clock moves
      const slot11 = Tiers.nextDue("11", state!.partitions!.get("11")!.refreshedAt!, DAY, phases.get("11"))
      api.calls.length = 0
      yield* at(slot11)
      state = (yield* sync(Partitioned.incremental(def(), state))).state
      const cursorNow = rows.get("11")!.at(-1)!
      expect(api.calls.find((call) => call.partition === "11")!.query.from).toBe(
        Math.min(cursorNow, state!.partitions!.get("11")!.cursor!) - LOOKBACK - 1
      )
      expect(state!.partitions!.get("11")!.refreshedAt).toBe(slot11)
    }))
})

describe("the lookback window of a slow-clock re-read", () => {
  const policy: Cursor.Policy = {
    syncStart: T0,
    startDate: undefined,
    lookbackMs: 14 * DAY,
    reconcileMs: undefined,
    sweep: false,
    sweepMarginMs: 0,
    refreshMs: DAY
  }
  it("reaches the lookback before the previous re-read when that is earlier than the cursor, so a row that aged out of the window since is read", () => {
    const entry: Cursor.Entry = { cursor: T0 - HOUR, refreshedAt: T0 - 25 * HOUR }
    expect(Cursor.plan(entry, policy, true).pass.from).toBe(T0 - 25 * HOUR - 14 * DAY - 1)
    // a partition that stopped writing long ago: the window before its cursor
    const finished: Cursor.Entry = { cursor: T0 - 40 * DAY, refreshedAt: T0 - 24 * HOUR }
    expect(Cursor.plan(finished, policy, true).pass.from).toBe(T0 - 54 * DAY - 1)
    // between re-reads: from the cursor
    expect(Cursor.plan(entry, policy, false).pass.from).toBe(T0 - HOUR - 1)
    // no slow clock: the lookback every sync
    expect(Cursor.plan(entry, { ...policy, refreshMs: undefined }, false).pass.from).toBe(T0 - HOUR - 14 * DAY - 1)
  })
})

describe("snapshot streams", () => {
  const SNAP_KEYS: Cursor.Keys = { cursor: "fetched_at", partitions: "campaigns" }
  const snapshotRun = (
    fetched: Array<string>,
    partitions: ReadonlyArray<Tiers.Partition>,
    input: Cursor.State | undefined,
    incremental: boolean
  ) =>
    sync(Partitioned.snapshots<Boom, never>(
      {
        name: "snaps",
        keys: SNAP_KEYS,
        partitions,
        fetch: (id) => Effect.as(Effect.sync(() => fetched.push(id)), [{ campaign_id: id } as JsonObject]),
        concurrency: 1,
        intervalMs: DAY,
        checkpointIntervalMs: 60_000,
        failures: { isFatal: () => true, describe: () => "boom" }
      },
      input,
      incremental
    )).pipe(
      Effect.map(({ events }) => {
        const last = events.filter((event) => event._tag === "Checkpoint").at(-1)
        const state = last?._tag === "Checkpoint" ? Either.getOrThrow(Cursor.decode(SNAP_KEYS, last.state)) : undefined
        const rows = events.flatMap((event) => (event._tag === "Records" ? event.records : []))
        return { rows, state }
      })
    )

  it.effect("rows carry the sync's start; incremental reads fetch by tier and record each fetch; full refresh fetches all", () =>
    Effect.gen(function*() {
      const partitions: Array<Tiers.Partition> = [
        { id: "1", cadence: "sync", label: "ACTIVE" },
        { id: "2", cadence: "interval", label: "COMPLETED" },
        { id: "3", cadence: "never", label: "DRAFTED" }
      ]
      yield* at(T0)
      const fetched: Array<string> = []
      const first = yield* snapshotRun(fetched, partitions, undefined, true)
      expect(fetched).toEqual(["1", "2"])
      expect(first.rows.map((row) => row["fetched_at"])).toEqual([
        new Date(T0).toISOString(),
        new Date(T0).toISOString()
      ])
      expect(first.state?.partitions?.get("2")).toEqual({ cursor: T0, label: "COMPLETED" })
      fetched.length = 0
      const next = T0 + HOUR
      yield* at(next)
      yield* snapshotRun(fetched, partitions, first.state, true)
      expect(fetched).toEqual(Tiers.isDue("2", T0, next, DAY) ? ["1", "2"] : ["1"])
      // a state from the future is kept as it is, as a cursor would be
      fetched.length = 0
      yield* snapshotRun(fetched, partitions, { cursor: T0 + 1000 * DAY, partitions: undefined }, true)
      expect(fetched).toEqual([])
      // a full refresh: every partition, no state
      fetched.length = 0
      yield* snapshotRun(fetched, partitions, undefined, false)
      expect(fetched).toEqual(["1", "2", "3"])
    }))
})
