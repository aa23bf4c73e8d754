/**
 * The `read` command, independent of any connector. Checks the configured catalog against the
 * source's streams, then reads the streams one after another: STREAM_STATUS STARTED and
 * RUNNING, record batches (one write per page, its STATE included), STATE messages whose `sourceStats.recordCount` is
 * exactly the records since the stream's previous STATE, and COMPLETE or INCOMPLETE. A stream
 * that fails does not stop the others; the read fails at the end with every stream's error.
 */
import type { Chunk } from "effect"
import { Data, Effect, Stream } from "effect"
import { Output } from "./Output.js"
import type { ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, JsonObject } from "./Protocol.js"
import { estimateMessage, stateMessage, streamStatusMessage } from "./Protocol.js"
import type { AnySource, SourceStream, StreamEvent } from "./Source.js"
import type { StreamStates } from "./State.js"

/** The catalog names streams the source does not have, or sync modes they do not support. */
export class CatalogMismatch extends Data.TaggedError("CatalogMismatch")<{ readonly problems: ReadonlyArray<string> }> {
  override get message(): string {
    return `The configured catalog does not match this source: ${this.problems.join("; ")}`
  }
}

/** One or more streams failed; the others were read. */
export class StreamsFailed<E> extends Data.TaggedError("StreamsFailed")<{
  readonly failures: ReadonlyArray<{ readonly stream: string; readonly error: E }>
}> {}

/** The catalog `read` uses without `--catalog`: every stream, incremental where supported. */
export const defaultCatalog = (source: AnySource<unknown>): ConfiguredAirbyteCatalog => ({
  streams: source.streams.map((stream: SourceStream<unknown, unknown, unknown>) => {
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
  const resolved: Array<{ readonly configured: ConfiguredAirbyteStream; readonly stream: SourceStream<unknown, unknown, unknown> }> = []
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

/** Reads one stream, writing its messages; fails with the stream's error after INCOMPLETE. */
const readStream = <Config, E, R>(
  stream: SourceStream<Config, E, R>,
  configured: ConfiguredAirbyteStream,
  config: Config,
  state: JsonObject | undefined
) =>
  Effect.gen(function*() {
    const output = yield* Output
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
            break
          case "Checkpoint":
            writes.push(output.writeRecords(name, pending, stateMessage(name, event.state, sinceState)))
            pending = []
            sinceState = 0
            lastState = event.state
            break
          case "Estimate":
            if (pending.length > 0) writes.push(output.writeRecords(name, pending))
            pending = []
            estimated += event.rows
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
    yield* output.write(streamStatusMessage(name, "STARTED"))
    yield* output.write(streamStatusMessage(name, "RUNNING"))
    const context = { config, syncMode: configured.sync_mode, state: configured.sync_mode === "incremental" ? state : undefined }
    yield* stream.read(context).pipe(
      Stream.runForEachChunk(handle),
      Effect.tapError(() => output.write(streamStatusMessage(name, "INCOMPLETE")))
    )
    if (lastState === undefined || sinceState > 0) {
      yield* output.write(stateMessage(name, lastState ?? {}, sinceState))
    }
    yield* output.write(streamStatusMessage(name, "COMPLETE"))
  })

/** Reads the configured streams in catalog order. */
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
    const failures: Array<{ stream: string; error: unknown }> = []
    for (const { configured, stream } of resolved) {
      yield* readStream(stream, configured, config, states.get(stream.name)).pipe(
        Effect.catchAll((error) => Effect.sync(() => void failures.push({ stream: stream.name, error })))
      )
    }
    if (failures.length > 0) return yield* new StreamsFailed({ failures })
  })
