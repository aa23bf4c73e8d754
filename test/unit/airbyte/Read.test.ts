/**
 * The runner's `read`, in process, over a fake source (test/helpers/FakeSource.ts): message order
 * and STATE counts, the state contract (decoded before anything is written, echoed when an
 * incremental stream emits no checkpoint, a STATE at the end of every stream), failures that stop
 * one stream only, the final states returned, and record arrays emptied once written.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import type { ConfiguredAirbyteCatalog, JsonObject } from "../../../src/airbyte/Protocol.js"
import type { CatalogMismatch, FinalStates, StateInvalid, StreamsFailed } from "../../../src/airbyte/Read.js"
import { defaultCatalog, read } from "../../../src/airbyte/Read.js"
import type { FakeConfig, FakeError } from "../../helpers/FakeSource.js"
import { captureOutput, emitted, FakeSource, summarize } from "../../helpers/FakeSource.js"

const catalog = defaultCatalog(FakeSource)

/** The final states of a read that succeeded. */
const statesOf = (outcome: Either.Either<FinalStates, unknown>): FinalStates =>
  Either.getOrThrowWith(outcome, (error) => new Error(`the read failed: ${String(error)}`))

/** The error of a read that failed, as plain data (a stream's error by its message). */
const failureOf = (outcome: Either.Either<FinalStates, CatalogMismatch | StateInvalid | StreamsFailed<unknown>>) => {
  if (Either.isRight(outcome)) throw new Error("the read succeeded")
  const error = outcome.left
  switch (error._tag) {
    case "CatalogMismatch":
      return { _tag: error._tag, problems: error.problems }
    case "StateInvalid":
      return { _tag: error._tag, stream: error.stream, reason: error.reason }
    case "StreamsFailed":
      return {
        _tag: error._tag,
        failures: error.failures.map(({ error: cause, stream }) => ({ stream, error: (cause as FakeError).message })),
        states: error.states
      }
  }
}

/** Reads the fake source; returns what was written and the outcome. */
const run = (config: FakeConfig, states: ReadonlyMap<string, JsonObject> = new Map(), configured: ConfiguredAirbyteCatalog = catalog) =>
  Effect.gen(function*() {
    emitted.length = 0
    const { layer, messages } = captureOutput()
    const outcome = yield* read(FakeSource, config, configured, states).pipe(
      Effect.either,
      Effect.provide(Layer.merge(layer, FakeSource.layer(config)))
    )
    return { lines: summarize(messages), outcome }
  })

describe("read", () => {
  it.effect("writes each page's records, then a STATE counting exactly them; every stream ends with a STATE", () =>
    Effect.gen(function*() {
      const { lines, outcome } = yield* run({ items: [[1, 2, 3], [4, 5]], tags: 2 })
      expect(lines).toEqual([
        "items STARTED",
        "items RUNNING",
        `items RECORD {"id":1}`,
        `items RECORD {"id":2}`,
        `items RECORD {"id":3}`,
        `items STATE {"cursor":3} 3`,
        `items RECORD {"id":4}`,
        `items RECORD {"id":5}`,
        `items STATE {"cursor":5} 2`,
        "items COMPLETE",
        "tags STARTED",
        "tags RUNNING",
        `tags RECORD {"tag":"t0"}`,
        `tags RECORD {"tag":"t1"}`,
        `tags STATE {} 2`,
        "tags COMPLETE"
      ])
      expect(statesOf(outcome)).toEqual(new Map([["items", { cursor: 5 }], ["tags", {}]]))
    }))

  it.effect("gives the stream its decoded state and returns the last checkpoint", () =>
    Effect.gen(function*() {
      const { lines, outcome } = yield* run({ items: [[1, 2, 3], [4, 5]], tags: 0 }, new Map([["items", { cursor: 3 }]]))
      expect(lines.filter((line) => line.startsWith("items"))).toEqual([
        "items STARTED",
        "items RUNNING",
        `items RECORD {"id":4}`,
        `items RECORD {"id":5}`,
        `items STATE {"cursor":5} 2`,
        "items COMPLETE"
      ])
      expect(lines.filter((line) => line.startsWith("tags"))).toEqual(["tags STARTED", "tags RUNNING", `tags STATE {} 0`, "tags COMPLETE"])
      expect(statesOf(outcome)).toEqual(new Map([["items", { cursor: 5 }], ["tags", {}]]))
    }))

  it.effect("echoes the input state of an incremental stream that emits no checkpoint, never {}", () =>
    Effect.gen(function*() {
      const input = new Map<string, JsonObject>([["items", { cursor: 7, note: "kept as given" }]])
      const none = yield* run({ items: [[1, 2]], tags: 0 }, input)
      expect(none.lines.filter((line) => line.startsWith("items"))).toEqual([
        "items STARTED",
        "items RUNNING",
        `items STATE {"cursor":7,"note":"kept as given"} 0`,
        "items COMPLETE"
      ])
      const unclaimed = yield* run({ items: [[8, 9]], itemsCheckpoint: false, tags: 0 }, input)
      expect(unclaimed.lines.filter((line) => line.startsWith("items"))).toEqual([
        "items STARTED",
        "items RUNNING",
        `items RECORD {"id":8}`,
        `items RECORD {"id":9}`,
        `items STATE {"cursor":7,"note":"kept as given"} 2`,
        "items COMPLETE"
      ])
      expect(statesOf(unclaimed.outcome)).toEqual(new Map([["items", input.get("items")!], ["tags", {}]]))
    }))

  it.effect("reads a full refresh without the input state, ending with {} when it emits no checkpoint", () =>
    Effect.gen(function*() {
      const configured: ConfiguredAirbyteCatalog = {
        streams: [{ stream: { name: "items" }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }]
      }
      const { lines, outcome } = yield* run(
        { items: [[1, 2]], itemsCheckpoint: false, tags: 0 },
        new Map([["items", { cursor: 1 }]]),
        configured
      )
      expect(lines).toEqual([
        "items STARTED",
        "items RUNNING",
        `items RECORD {"id":1}`,
        `items RECORD {"id":2}`,
        `items STATE {} 2`,
        "items COMPLETE"
      ])
      expect(statesOf(outcome)).toEqual(new Map([["items", {}]]))
    }))

  it.effect("fails with StateInvalid, naming the stream and the problem, before writing anything", () =>
    Effect.gen(function*() {
      const { lines, outcome } = yield* run({ items: [[1]], tags: 1 }, new Map([["items", { cursor: "yesterday" }]]))
      expect(lines).toEqual([])
      expect(failureOf(outcome)).toEqual({
        _tag: "StateInvalid",
        stream: "items",
        reason: `cursor must be a non-negative integer (got "yesterday")`
      })
    }))

  it.effect("fails with CatalogMismatch before writing anything when the catalog names an unknown stream", () =>
    Effect.gen(function*() {
      const configured: ConfiguredAirbyteCatalog = {
        streams: [{ stream: { name: "gadgets" }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }]
      }
      const { lines, outcome } = yield* run({ items: [[1]], tags: 1 }, new Map(), configured)
      expect(lines).toEqual([])
      expect(failureOf(outcome)).toEqual({
        _tag: "CatalogMismatch",
        problems: [`unknown stream "gadgets" (this source has items, tags)`]
      })
    }))

  it.effect("marks a failing stream INCOMPLETE after its last checkpoint, still reads the others, and fails with every state", () =>
    Effect.gen(function*() {
      const { lines, outcome } = yield* run({ items: [[1, 2], [3], [4]], itemsFailAfter: 2, tags: 1 })
      expect(lines).toEqual([
        "items STARTED",
        "items RUNNING",
        `items RECORD {"id":1}`,
        `items RECORD {"id":2}`,
        `items STATE {"cursor":2} 2`,
        `items RECORD {"id":3}`,
        `items STATE {"cursor":3} 1`,
        "items INCOMPLETE",
        "tags STARTED",
        "tags RUNNING",
        `tags RECORD {"tag":"t0"}`,
        `tags STATE {} 1`,
        "tags COMPLETE"
      ])
      expect(failureOf(outcome)).toEqual({
        _tag: "StreamsFailed",
        failures: [{ stream: "items", error: "items broke" }],
        states: new Map([["items", { cursor: 3 }], ["tags", {}]])
      })
    }))

  it.effect("keeps the input state of an incremental stream that fails before its first checkpoint", () =>
    Effect.gen(function*() {
      const { lines, outcome } = yield* run({ items: [[5]], itemsFailAfter: 0, tags: 0, tagsFail: true }, new Map([["items", { cursor: 2 }]]))
      expect(lines).toEqual(["items STARTED", "items RUNNING", "items INCOMPLETE", "tags STARTED", "tags RUNNING", "tags INCOMPLETE"])
      expect(failureOf(outcome)).toEqual({
        _tag: "StreamsFailed",
        failures: [{ stream: "items", error: "items broke" }, { stream: "tags", error: "tags broke" }],
        states: new Map([["items", { cursor: 2 }]])
      })
    }))

  it.effect("empties every record array a stream emitted once it is written", () =>
    Effect.gen(function*() {
      const { lines } = yield* run({ items: [[1, 2, 3], [4, 5]], itemsCheckpoint: false, tags: 3 })
      expect(lines.filter((line) => line.includes("RECORD"))).toHaveLength(8)
      expect(emitted.map((rows) => rows.length)).toEqual([0, 0, 0])
    }))
})
