/**
 * The contract between the Airbyte runner and a connector. A `Source` declares its spec, its
 * config schema, a connection check, its streams and how its errors are reported; the runner
 * (`Read`, `Cli`) does everything protocol-shaped around it. A stream reads as an Effect `Stream`
 * of `StreamEvent`s: batches of records, checkpoints of its state, and row estimates. A
 * checkpoint claims only the records emitted before it. A batch's array is handed over: the
 * runner empties it once written, so a page never outlives its write.
 */
import type { Effect, Layer, Schema } from "effect"
import { Stream } from "effect"
import type { JsonSchemaObject } from "./JsonSchema.js"
import type { ConnectorSpecification, FailureType, JsonObject, SyncMode } from "./Protocol.js"

/** What a stream produces while it reads. */
export type StreamEvent =
  | { readonly _tag: "Records"; readonly records: ReadonlyArray<JsonObject> }
  | { readonly _tag: "Checkpoint"; readonly state: JsonObject }
  | { readonly _tag: "Estimate"; readonly rows: number }

/** A batch of records, emitted with one write. The runner owns the array once emitted and empties it after writing it. */
export const records = (batch: ReadonlyArray<JsonObject>): StreamEvent => ({ _tag: "Records", records: batch })
/** A checkpoint: the stream's state after every record emitted so far. */
export const checkpoint = (state: JsonObject): StreamEvent => ({ _tag: "Checkpoint", state })
/** A row estimate for the stream (added to the previous ones). */
export const estimate = (rows: number): StreamEvent => ({ _tag: "Estimate", rows })

/**
 * A full-refresh stream's events with an empty checkpoint after every batch of records, so that
 * no record ever follows the stream's last STATE, even when the stream fails part-way.
 */
export const checkpointEveryBatch = <E, R>(events: Stream.Stream<StreamEvent, E, R>): Stream.Stream<StreamEvent, E, R> =>
  Stream.mapConcat(events, (event): ReadonlyArray<StreamEvent> => (event._tag === "Records" ? [event, checkpoint({})] : [event]))

/** What a stream is given when it reads. */
export interface ReadContext<Config> {
  readonly config: Config
  readonly syncMode: SyncMode
  /** The stream's state from the state input, if any (ignored by full-refresh reads). */
  readonly state: JsonObject | undefined
}

/** One stream of a source. */
export interface SourceStream<Config, E, R> {
  readonly name: string
  /** The records' JSON Schema; a function when the config decides which fields records have. */
  readonly jsonSchema: JsonSchemaObject | ((config: Config) => JsonSchemaObject)
  readonly supportedSyncModes: ReadonlyArray<SyncMode>
  readonly primaryKey: ReadonlyArray<ReadonlyArray<string>>
  readonly cursorField?: ReadonlyArray<string>
  readonly read: (context: ReadContext<Config>) => Stream.Stream<StreamEvent, E, R>
  /** Checks a state from the state input before anything is read; returns what is wrong, if anything. */
  readonly validateState?: (state: JsonObject) => string | undefined
}

/** A stream's JSON Schema for a config. */
export const jsonSchemaOf = <Config>(stream: SourceStream<Config, unknown, unknown>, config: Config): JsonSchemaObject =>
  typeof stream.jsonSchema === "function" ? stream.jsonSchema(config) : stream.jsonSchema

/** How an error is shown to the platform: an ERROR trace's `message`, `internal_message` and `failure_type`. */
export interface FailureReport {
  readonly failureType: FailureType
  readonly message: string
  readonly internalMessage?: string
}

/** A connector, as the runner sees it. `Env` is what its layer needs from `main` (an HTTP client, say). */
export interface Source<Config, ConfigEncoded, E, R, Env> {
  readonly spec: ConnectorSpecification
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  /** The services the streams and the check need, built from the config. */
  readonly layer: (config: Config) => Layer.Layer<R, never, Env>
  /** Succeeds when the source can read with this config. */
  readonly check: (config: Config) => Effect.Effect<void, E, R | Env>
  readonly streams: ReadonlyArray<SourceStream<Config, E, R>>
  /** The stream a bare (non-protocol) state object belongs to, if the source accepts one. */
  readonly bareStateStream?: string
  readonly describeError: (error: E) => FailureReport
  /** CSV columns printed by `read --format csv` per stream, when `--columns` is not given. */
  readonly defaultColumns?: Readonly<Record<string, ReadonlyArray<string>>>
}

/** Any source, for code that does not care about its type parameters. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySource<Env> = Source<any, any, any, any, Env>
