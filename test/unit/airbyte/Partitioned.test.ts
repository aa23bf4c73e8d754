/**
 * The runner's partitioned-stream reader against an in-memory API whose requests take time on
 * `TestClock`: when checkpoints are written (not before the interval, one after it, one at the
 * stream's end, one before a failure exits), that a checkpoint never claims a row not yet
 * emitted, that a state taken at any checkpoint resumes without loss, how failed partitions are
 * set aside, and when the activity sweep runs (only once the API has shown it honours the
 * filter). No HTTP, no SmartLead.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Data, Effect, Either, Exit, Fiber, Option, Stream, TestClock } from "effect"
import * as Cursor from "../../../src/airbyte/Cursor.js"
import type { Page } from "../../../src/airbyte/Paginator.js"
import type { Definition, Query, Settings } from "../../../src/airbyte/Partitioned.js"
import * as Partitioned from "../../../src/airbyte/Partitioned.js"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"
import type { StreamEvent } from "../../../src/airbyte/Source.js"

class Boom extends Data.TaggedError("Boom")<{ readonly fatal: boolean }> {}

const KEYS: Cursor.Keys = { cursor: "created_at", partitions: "campaigns" }
const T0 = Date.parse("2025-06-01T00:00:00Z")
const iso = (ms: number) => new Date(ms).toISOString()

interface Row {
  readonly id: number
  readonly createdAt: number
  activityAt?: number
}

/** An in-memory API: rows per partition, oldest first; each request takes `latencyMs` of the test clock. */
class FakeApi {
  readonly rows = new Map<string, Array<Row>>()
  readonly calls: Array<{ partition: string; query: Query; offset: number; limit: number }> = []
  latencyMs = 10_000
  /** Fail the n-th request (0-based) with this error. */
  failAt = new Map<number, Boom>()
  ignoresActivityFilter = false

  constructor(partitions: Record<string, number>) {
    let id = 1
    for (const [partition, count] of Object.entries(partitions)) {
      this.rows.set(
        partition,
        Array.from({ length: count }, (_, i) => ({ id: id++, createdAt: T0 - (count - i) * 60_000 }))
      )
    }
  }

  fetch = (partition: string, query: Query, offset: number, limit: number): Effect.Effect<Page, Boom> =>
    Effect.gen(this, function*() {
      const n = this.calls.length
      this.calls.push({ partition, query, offset, limit })
      yield* Effect.sleep(this.latencyMs)
      const failure = this.failAt.get(n)
      if (failure !== undefined) return yield* failure
      const matching = (this.rows.get(partition) ?? []).filter((row) =>
        (query.from === undefined || row.createdAt > query.from) &&
        (query.activitySince === undefined || this.ignoresActivityFilter ||
          (row.activityAt !== undefined && row.activityAt > query.activitySince))
      )
      const rows: Array<JsonObject> = matching.slice(offset, offset + limit).map((row) => ({
        id: row.id,
        created_at: iso(row.createdAt)
      }))
      return { rows, total: matching.length }
    })
}

const settings = (overrides: Partial<Settings> = {}): Settings => ({
  pageSize: 10,
  concurrency: 1,
  startDate: undefined,
  lookbackMs: 0,
  reconcileMs: 168 * 3_600_000,
  sweep: false,
  dropBeforeFrom: true,
  checkpointIntervalMs: 60_000,
  ...overrides
})

const definition = (api: FakeApi, overrides: Partial<Settings> = {}): Definition<Boom, never> => ({
  name: "items",
  keys: KEYS,
  keyOf: (row) => row["id"],
  partitions: Effect.succeed([...api.rows.keys()]),
  fetch: api.fetch,
  settings: settings(overrides),
  failures: { isFatal: (error) => error.fatal, describe: () => "boom" },
  offsetIgnored: () => new Boom({ fatal: false })
})

/** Runs the stream to its end on the test clock; the events, and the error if it failed. */
const run = (def: Definition<Boom, never>, input?: Cursor.State, api = { latencyMs: 10_000 }) =>
  Effect.gen(function*() {
    // Syncs happen now, not in 1970: cursors never pass a sync's start.
    if ((yield* Clock.currentTimeMillis) < T0) yield* TestClock.setTime(T0 + 3_600_000)
    const events: Array<StreamEvent> = []
    const fiber = yield* Effect.fork(
      Stream.runForEach(Partitioned.incremental(def, input), (event) =>
        Effect.sync(() => {
          // Records are handed over as arrays the runner empties: keep copies.
          events.push(event._tag === "Records" ? { ...event, records: [...event.records] } : event)
        }))
    )
    // The clock moves in steps of one request until the read ends, so each sleep wakes in turn.
    for (let i = 0; i < 10_000 && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust(api.latencyMs)
    const exit = yield* Fiber.await(fiber)
    return { events, error: Exit.isFailure(exit) ? exit.cause : undefined }
  })

const states = (events: ReadonlyArray<StreamEvent>) =>
  events.flatMap((event) => (event._tag === "Checkpoint" ? [event.state] : []))
const ids = (events: ReadonlyArray<StreamEvent>) =>
  events.flatMap((event) => (event._tag === "Records" ? event.records.map((row) => row["id"] as number) : []))
const decode = (json: JsonObject) => {
  const state = Cursor.decode(KEYS, json)
  if (Either.isLeft(state)) throw new Error(state.left)
  return state.right
}

/** Every row a checkpoint claims (cursor or offset) was emitted before it. */
const claimsOnlyEmitted = (api: FakeApi, events: ReadonlyArray<StreamEvent>) => {
  const emitted = new Set<number>()
  for (const event of events) {
    if (event._tag === "Records") { for (const row of event.records) emitted.add(row["id"] as number) }
    if (event._tag !== "Checkpoint") continue
    const state = decode(event.state)
    for (const [partition, entry] of state?.partitions ?? []) {
      const rows = api.rows.get(partition) ?? []
      const claimed = entry.pass === undefined
        ? rows.filter((row) => entry.cursor !== undefined && row.createdAt <= entry.cursor)
        : rows.filter((row) => entry.pass!.from === undefined || row.createdAt > entry.pass!.from).slice(
          0,
          entry.offset
        )
      for (const row of claimed) expect(emitted.has(row.id), `row ${row.id} claimed before it was emitted`).toBe(true)
    }
  }
}

describe("checkpoints on a clock", () => {
  it.effect("none before the interval, one each time it has passed, one at the stream's end", () =>
    Effect.gen(function*() {
      // 200 rows in pages of 10 (8 new rows a page after the overlap): 25 requests of 10 s each.
      const api = new FakeApi({ "1": 200 })
      const { error, events } = yield* run(definition(api))
      expect(error).toBeUndefined()
      expect(api.calls).toHaveLength(25)
      const pagesBefore = events.map((event, index) => ({ event, index })).filter(({ event }) =>
        event._tag === "Checkpoint"
      ).map(({ index }) => events.slice(0, index).filter((event) => event._tag === "Records").length)
      // pages end at 10 s, 20 s, …: a checkpoint after the 6th (60 s), 12th, 18th and 24th, and the final one
      expect(pagesBefore).toEqual([6, 12, 18, 24, 25])
      expect(events.at(-1)!._tag).toBe("Checkpoint")
      expect(new Set(ids(events)).size).toBe(200)
      claimsOnlyEmitted(api, events)
    }))

  it.effect("an interval longer than the read writes exactly one STATE, at the end, with every cursor", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 30, "2": 5 })
      const { events } = yield* run(definition(api, { checkpointIntervalMs: 3_600_000 }))
      expect(states(events)).toHaveLength(1)
      expect(events.at(-1)!._tag).toBe("Checkpoint")
      const final = decode(states(events)[0]!)!
      expect(final.partitions!.get("1")!.cursor).toBe(api.rows.get("1")!.at(-1)!.createdAt)
      expect(final.partitions!.get("2")!.cursor).toBe(api.rows.get("2")!.at(-1)!.createdAt)
    }))

  it.effect("0 writes one after every page", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 30 })
      const { events } = yield* run(definition(api, { checkpointIntervalMs: 0 }))
      const pages = events.filter((event) => event._tag === "Records").length
      // one per page, and the final one
      expect(states(events)).toHaveLength(pages + 1)
    }))

  it.effect("a fatal error exits after one last STATE that claims exactly the rows delivered", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 100 })
      api.failAt.set(4, new Boom({ fatal: true }))
      const { error, events } = yield* run(definition(api))
      expect(error).toBeDefined()
      expect(events.at(-1)!._tag).toBe("Checkpoint")
      // no STATE was due before the failure (40 s < 60 s): the one written is the failure's
      expect(states(events)).toHaveLength(1)
      const entry = decode(states(events)[0]!)!.partitions!.get("1")!
      expect(entry.offset).toBe(34)
      expect(ids(events)).toHaveLength(34)
      claimsOnlyEmitted(api, events)
    }))

  it.effect("a partition that fails is set aside: the others are read, then the last STATE, then PartitionsFailed", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 25, "2": 25 })
      api.failAt.set(1, new Boom({ fatal: false }))
      const { error, events } = yield* run(definition(api))
      expect(error).toBeDefined()
      expect(JSON.stringify(error)).toContain("PartitionsFailed")
      const final = decode(states(events).at(-1)!)!
      expect(final.partitions!.get("2")!.cursor).toBe(api.rows.get("2")!.at(-1)!.createdAt)
      // partition 1 delivered its first page before failing: it resumes from there
      expect(final.partitions!.get("1")).toMatchObject({ offset: 10 })
      expect(events.at(-1)!._tag).toBe("Checkpoint")
    }))
})

describe("resume", () => {
  it.effect("a state taken at any checkpoint resumes without losing a row", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 50, "2": 37 })
      const first = yield* run(definition(api, { checkpointIntervalMs: 0 }))
      const all = new Set(ids(first.events))
      const checkpoints = states(first.events)
      for (let k = 0; k < checkpoints.length; k++) {
        const index = first.events.indexOf(first.events.filter((event) => event._tag === "Checkpoint")[k]!)
        const before = new Set(ids(first.events.slice(0, index)))
        const resumed = yield* run(definition(api, { checkpointIntervalMs: 0 }), decode(checkpoints[k]!))
        const after = new Set([...before, ...ids(resumed.events)])
        expect(after, `resumed from checkpoint ${k}`).toEqual(all)
      }
    }))
})

describe("activity sweep", () => {
  const readOnce = (api: FakeApi) => run(definition(api, { sweep: true }))

  it.effect("asks the API once whether it honours the activity filter, then sweeps every partition", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 12, "2": 12 })
      const first = yield* readOnce(api)
      api.rows.get("1")![0]!.activityAt = T0 + 1
      api.calls.length = 0
      const second = yield* run(definition(api, { sweep: true }), decode(states(first.events).at(-1)!))
      const probes = api.calls.filter((call) => call.query.activitySince !== undefined && call.limit === 1)
      expect(probes).toHaveLength(1)
      expect(probes[0]!.query.activitySince).toBeGreaterThan(T0)
      const sweeps = api.calls.filter((call) => call.query.activitySince !== undefined && call.limit !== 1)
      expect(sweeps.map((call) => call.partition).sort()).toEqual(["1", "2"])
      expect(ids(second.events)).toContain(api.rows.get("1")![0]!.id)
      // remembered: the next sync does not ask again
      api.calls.length = 0
      yield* run(definition(api, { sweep: true }), decode(states(second.events).at(-1)!))
      expect(api.calls.filter((call) => call.limit === 1)).toHaveLength(0)
    }))

  it.effect("an API that ignores the filter gets no sweep (and is remembered), so a sync never becomes a full read", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 40 })
      api.ignoresActivityFilter = true
      const first = yield* readOnce(api)
      api.calls.length = 0
      const second = yield* run(definition(api, { sweep: true }), decode(states(first.events).at(-1)!))
      expect(api.calls.filter((call) => call.query.activitySince !== undefined)).toHaveLength(1)
      // only the incremental pass's tie at the cursor comes again, not the 39 rows a sweep would re-read
      expect(ids(second.events)).toEqual([api.rows.get("1")!.at(-1)!.id])
      const state = decode(states(second.events).at(-1)!)!
      expect(state.sweepFilter?.honoured).toBe(false)
    }))

  it.effect("rows the main pass dropped as older than its bound can still be swept (an API ignoring created_at_gt)", () =>
    Effect.gen(function*() {
      const api = new FakeApi({ "1": 12 })
      const first = yield* readOnce(api)
      const old = api.rows.get("1")![0]!
      old.activityAt = T0 + 1
      // the API ignores created_at_gt: the main pass sees every row and drops the old ones
      const ignoring: Definition<Boom, never> = {
        ...definition(api, { sweep: true }),
        fetch: (partition, query, offset, limit) =>
          query.activitySince === undefined
            ? api.fetch(partition, { from: undefined }, offset, limit)
            : api.fetch(partition, query, offset, limit)
      }
      const second = yield* run(ignoring, decode(states(first.events).at(-1)!))
      expect(ids(second.events)).toContain(old.id)
    }))
})

describe("readPartitions", () => {
  it.effect("fails at the end naming every failed partition, after reading the others", () =>
    Effect.gen(function*() {
      const result = yield* Partitioned.readPartitions({
        stream: "s",
        partitions: ["a", "b", "c"],
        idOf: (id) => id,
        concurrency: 2,
        read: (id, emit: (element: string) => Effect.Effect<void>) =>
          id === "b" ? Effect.fail(new Boom({ fatal: false })) : emit(id),
        failures: { isFatal: (error) => error.fatal, describe: () => "boom" }
      }).pipe(Stream.runCollect, Effect.either)
      expect(Either.isLeft(result) && result.left._tag).toBe("PartitionsFailed")
      const failed = Either.isLeft(result) && result.left._tag === "PartitionsFailed" ? result.left : undefined
      expect(failed?.failures.map((failure) => failure.partition)).toEqual(["b"])
    }))

  it.effect("reads at most `concurrency` partitions at once, starts them in order, and keeps each one's elements in order", () =>
    Effect.gen(function*() {
      let active = 0
      let most = 0
      const started: Array<string> = []
      // Partition i emits i + 1 elements, 7 s apart: they finish in another order than they start.
      const partitions = ["p0", "p1", "p2", "p3", "p4", "p5"]
      const fiber = yield* Partitioned.readPartitions({
        stream: "s",
        partitions,
        idOf: (id) => id,
        concurrency: 3,
        read: (id, emit: (element: string) => Effect.Effect<void>) =>
          Effect.gen(function*() {
            started.push(id)
            most = Math.max(most, ++active)
            for (let i = 0; i <= Number(id.slice(1)); i++) {
              yield* Effect.sleep(`${7 - Number(id.slice(1))} seconds`)
              yield* emit(`${id}:${i}`)
            }
            active--
          }),
        failures: { isFatal: () => true, describe: () => "boom" }
      }).pipe(Stream.runCollect, Effect.fork)
      for (let i = 0; i < 60; i++) yield* TestClock.adjust("1 second")
      const out = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(most).toBe(3)
      expect(started).toEqual(partitions)
      expect(out).toHaveLength(21)
      for (const id of partitions) {
        const mine = out.filter((element) => element.startsWith(`${id}:`))
        expect(mine).toEqual(Array.from({ length: Number(id.slice(1)) + 1 }, (_, i) => `${id}:${i}`))
      }
      // Read side by side (p2's first element came before p0's), and p3 only once p0, the first
      // to end (at 7 s), had freed its place.
      expect(out.indexOf("p2:0")).toBeLessThan(out.indexOf("p0:0"))
      expect(out.indexOf("p3:0")).toBeGreaterThan(out.indexOf("p0:0"))
      expect(out.indexOf("p3:0")).toBeLessThan(out.indexOf("p1:1"))
    }))

  it.effect("a fatal error stops every partition at once", () =>
    Effect.gen(function*() {
      const read: Array<string> = []
      const result = yield* Partitioned.readPartitions({
        stream: "s",
        partitions: ["a", "b", "c"],
        idOf: (id) => id,
        concurrency: 1,
        read: (id, emit: (element: string) => Effect.Effect<void>) =>
          id === "a"
            ? Effect.fail(new Boom({ fatal: true }))
            : Effect.zipRight(Effect.sync(() => read.push(id)), emit(id)),
        failures: { isFatal: (error) => error.fatal, describe: () => "boom" }
      }).pipe(Stream.runCollect, Effect.either)
      expect(Either.isLeft(result) && result.left._tag).toBe("Boom")
      expect(read).toEqual([])
    }))
})
