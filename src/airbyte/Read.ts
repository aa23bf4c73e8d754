/**
 * The `read` command, independent of any connector. Checks the configured catalog against the
 * source's streams and decodes every input state with its stream's rules before anything is
 * read, then reads the streams one after another: STREAM_STATUS STARTED and RUNNING, record
 * batches (one write per page, its STATE included), STATE messages whose
 * `sourceStats.recordCount` is exactly the records since the stream's previous STATE, and
 * COMPLETE or INCOMPLETE. Every stream ends with a STATE; an incremental stream that emitted no
 * checkpoint echoes its input state, never `{}` over a cursor. A stream that fails does not stop
 * the others; the read fails at the end with every stream's error. The final state of each
 * stream read is returned. Records are conformed to the stream's schema on the way
 * (`Conform.records`). Each stream reads with its name in `SyncStats.currentStream`, so what it
 * costs is counted to it, and once streams were read the sync ends with one INFO line giving its
 * requests per stream (`SyncStats.summary`), also when it fails or is interrupted.
 */
import type { Chunk } from "effect"
import { Data, Effect, Either, Option, Stream } from "effect"
import * as Conform from "./Conform.js"
import { Output } from "./Output.js"
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, JsonObject } from "./Protocol.js"
import { estimateMessage, stateMessage, streamStatusMessage } from "./Protocol.js"
import type { AnySource, AnyStream, SourceStream, StreamEvent } from "./Source.js"
import type { StreamStates } from "./State.js"
import * as SyncStats from "./SyncStats.js"

/** The catalog names streams the source does not have, or sync modes they do not support. */
export class CatalogMismatch extends Data.TaggedError("CatalogMismatch")<{ readonly problems: ReadonlyArray<string> }> {
  override get message(): string {
    return `The configured catalog does not match this source: ${this.problems.join("; ")}`
  }
}

/** A stream's input state breaks the stream's rules; nothing was read. */
export class StateInvalid
  extends Data.TaggedError("StateInvalid")<{ readonly stream: string; readonly reason: string }>
{
  override get message(): string {
    return `the ${this.stream} state is invalid: ${this.reason}`
  }
}

/** One or more streams failed; the others were read. `states` holds every stream's last state, as `read` returns them. */
export class StreamsFailed<E> extends Data.TaggedError("StreamsFailed")<{
  readonly failures: ReadonlyArray<{ readonly stream: string; readonly error: E }>
  readonly states: FinalStates
}> {
  override get message(): string {
    return `${this.failures.length} stream${this.failures.length === 1 ? "" : "s"} failed: ${
      this.failures.map((f) => f.stream).join(", ")
    }`
  }
}

/** The final state of each stream read, by stream name. */
export type FinalStates = ReadonlyMap<string, JsonObject>

/** The catalog `read` uses without `--catalog`: every stream, incremental where supported. */
export const defaultCatalog = (source: AnySource<unknown>): ConfiguredAirbyteCatalog => ({
  streams: source.streams.map((stream: AnyStream) => {
    const incremental = stream.supportedSyncModes.includes("incremental")
    return {
      stream: { name: stream.name },
      sync_mode: incremental ? "incremental" : "full_refresh",
      destination_sync_mode: incremental ? "append_dedup" : "overwrite",
      ...(incremental && stream.cursorField ? { cursor_field: stream.cursorField } : {}),
      primary_key: stream.primaryKey
    }
  })
})

const resolve = <Env>(source: AnySource<Env>, catalog: ConfiguredAirbyteCatalog) => {
  const problems: Array<string> = []
  const names = source.streams.map((stream) => stream.name)
  const resolved: Array<{ readonly configured: ConfiguredAirbyteStream; readonly stream: AnyStream }> = []
  for (const configured of catalog.streams) {
    const stream = source.streams.find((candidate) => candidate.name === configured.stream.name)
    if (stream === undefined) {
      problems.push(`unknown stream ${JSON.stringify(configured.stream.name)} (this source has ${names.join(", ")})`)
    } else if (!stream.supportedSyncModes.includes(configured.sync_mode)) {
      problems.push(`stream ${JSON.stringify(stream.name)} does not support sync mode ${configured.sync_mode}`)
    } else {
      resolved.push({ configured, stream })
    }
  }
  return problems.length > 0 ? Effect.fail(new CatalogMismatch({ problems })) : Effect.succeed(resolved)
}

/** Decodes every input state of a known stream with that stream's rules. */
export const decodeStates = (source: AnySource<unknown>, states: StreamStates) =>
  Effect.gen(function*() {
    const decoded = new Map<string, unknown>()
    for (const stream of source.streams as ReadonlyArray<AnyStream>) {
      const state = states.get(stream.name)
      if (state === undefined) continue
      if (stream.decodeState === undefined) {
        decoded.set(stream.name, state)
        continue
      }
      const result = stream.decodeState(state)
      if (Either.isLeft(result)) return yield* new StateInvalid({ stream: stream.name, reason: result.left })
      decoded.set(stream.name, result.right)
    }
    return decoded as ReadonlyMap<string, unknown>
  })

/**
 * Reads one stream, writing its messages; its last state written is kept in `finals`. Fails with
 * the stream's error after INCOMPLETE.
 */
const readStream = <Config, E, R, S>(
  stream: SourceStream<Config, E, R, S>,
  configured: ConfiguredAirbyteStream,
  config: Config,
  input: { readonly json: JsonObject; readonly decoded: S } | undefined,
  finals: Map<string, JsonObject>
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const stats = yield* SyncStats.SyncStats
    const name = stream.name
    let sinceState = 0
    let lastState: JsonObject | undefined
    let estimated = 0
    const handle = (events: Chunk.Chunk<StreamEvent>): Effect.Effect<void> => {
      const writes: Array<Effect.Effect<void>> = []
      let pending: ReadonlyArray<JsonObject> = []
      for (const event of events) {
        switch (event._tag) {
          case "Records":
            if (pending.length > 0) writes.push(output.writeRecords(name, pending))
            pending = event.records
            sinceState += event.records.length
            stats.addRecords(name, event.records.length)
            break
          case "Checkpoint":
            writes.push(output.writeRecords(name, pending, stateMessage(name, event.state, sinceState)))
            pending = []
            sinceState = 0
            lastState = event.state
            finals.set(name, event.state)
            break
          case "Estimate":
            if (pending.length > 0) writes.push(output.writeRecords(name, pending))
            pending = []
            estimated += event.rows
            stats.setEstimate(name, estimated)
            writes.push(output.write(estimateMessage(name, estimated)))
        }
      }
      if (pending.length > 0) writes.push(output.writeRecords(name, pending))
      return Effect.ensuring(
        writes.length === 1 ? writes[0]! : Effect.forEach(writes, (write) => write, { discard: true }),
        Effect.sync(() => {
          for (const event of events) if (event._tag === "Records") (event.records as Array<JsonObject>).length = 0
        })
      )
    }
    yield* stats.streamStarted(name)
    yield* output.write(streamStatusMessage(name, "STARTED"))
    yield* output.write(streamStatusMessage(name, "RUNNING"))
    const incremental = configured.sync_mode === "incremental"
    const context = { config, syncMode: configured.sync_mode, state: incremental ? input?.decoded : undefined }
    yield* stream.read(context).pipe(
      Conform.records(name, stream.jsonSchema),
      Stream.runForEachChunk(handle),
      Effect.tapError(() => output.write(streamStatusMessage(name, "INCOMPLETE"))),
      Effect.ensuring(stats.streamEnded(name))
    )
    const final: JsonObject = lastState ?? (incremental ? input?.json : undefined) ?? {}
    if (lastState === undefined || sinceState > 0) {
      yield* output.write(stateMessage(name, final, sinceState))
    }
    finals.set(name, final)
    yield* output.write(streamStatusMessage(name, "COMPLETE"))
  }).pipe(Effect.locally(SyncStats.currentStream, stream.name))

/**
 * Reads the configured streams in catalog order; returns the final state of each stream read.
 * Counts with the `SyncStats` the caller provides (to watch the sync), else with its own.
 */
export const read = <Env>(
  source: AnySource<Env>,
  config: unknown,
  catalog: ConfiguredAirbyteCatalog,
  states: StreamStates
) =>
  Effect.gen(function*() {
    const resolved = yield* resolve(source, catalog)
    const known = new Set(source.streams.map((stream) => stream.name))
    for (const name of states.keys()) {
      if (!known.has(name)) yield* Effect.logWarning(`Ignoring state for unknown stream ${JSON.stringify(name)}`)
    }
    const decoded = yield* decodeStates(source, states)
    const stats = yield* Effect.flatMap(
      Effect.serviceOption(SyncStats.SyncStats),
      Option.match({ onNone: () => SyncStats.make, onSome: Effect.succeed })
    )
    const failures: Array<{ stream: string; error: unknown }> = []
    const finals = new Map<string, JsonObject>()
    return yield* Effect.gen(function*() {
      for (const { configured, stream } of resolved) {
        const json = states.get(stream.name)
        const input = json === undefined ? undefined : { json, decoded: decoded.get(stream.name) }
        if (input !== undefined && configured.sync_mode === "incremental") finals.set(stream.name, input.json)
        yield* readStream(stream, configured, config, input, finals).pipe(
          Effect.catchAll((error) => Effect.sync(() => void failures.push({ stream: stream.name, error })))
        )
      }
      if (failures.length > 0) return yield* new StreamsFailed({ failures, states: finals })
      return finals as FinalStates
    }).pipe(
      Effect.provideService(SyncStats.SyncStats, stats),
      Effect.onExit((exit) =>
        Effect.flatMap(stats.snapshot, (snapshot) =>
          Effect.logInfo(SyncStats.summary(snapshot, SyncStats.outcomeOf(exit))))
      )
    )
  })
