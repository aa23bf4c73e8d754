/**
 * The contract between the Airbyte runner and a connector. A `Source` declares its spec, its
 * config schema, a connection check, its streams and how its errors are reported; the runner
 * (`Read`, `Cli`) does everything protocol-shaped around it. A stream reads as an Effect `Stream`
 * of `StreamEvent`s: batches of records, checkpoints of its state, and row estimates. A
 * checkpoint claims only the records emitted before it. A batch's array is handed over: the
 * runner owns it and empties it once written, so a page never outlives its write. The runner
 * owns the state contract: it decodes every input state with the stream's `decodeState` before
 * any stream starts (a stream only ever sees a decoded state), and when an incremental stream
 * ends without a checkpoint it echoes the input state rather than writing `{}` over a cursor.
 */
import type { Effect, Either, Layer, Schema } from "effect"
import { Stream } from "effect"
import type { JsonSchemaObject } from "./JsonSchema.js"
import { lazyFromSchema } from "./JsonSchema.js"
import type { ConnectorSpecification, FailureType, JsonObject, SyncMode } from "./Protocol.js"
import type { Redaction } from "./Redaction.js"

/** What a stream produces while it reads. */
export type StreamEvent =
  | { readonly _tag: "Records"; readonly records: Array<JsonObject> }
  | { readonly _tag: "Checkpoint"; readonly state: JsonObject }
  | { readonly _tag: "Estimate"; readonly rows: number }

/**
 * A batch of records, emitted with one write. The array is handed over: the runner owns it once
 * emitted and empties it after writing, so never emit an array that is kept elsewhere.
 */
export const records = (batch: Array<JsonObject>): StreamEvent => ({ _tag: "Records", records: batch })
/** A checkpoint: the stream's state after every record emitted so far. */
export const checkpoint = (state: JsonObject): StreamEvent => ({ _tag: "Checkpoint", state })
/** A row estimate for the stream (added to the previous ones). */
export const estimate = (rows: number): StreamEvent => ({ _tag: "Estimate", rows })

/**
 * A full-refresh stream's events with an empty checkpoint after every batch of records, so that
 * no record ever follows the stream's last STATE, even when the stream fails part-way.
 */
export const checkpointEveryBatch = <E, R>(
  events: Stream.Stream<StreamEvent, E, R>
): Stream.Stream<StreamEvent, E, R> =>
  Stream.mapConcat(
    events,
    (event): ReadonlyArray<StreamEvent> => (event._tag === "Records" ? [event, checkpoint({})] : [event])
  )

/** What a stream is given when it reads. */
export interface ReadContext<Config, S = JsonObject> {
  readonly config: Config
  readonly syncMode: SyncMode
  /** The stream's decoded input state, if any (always undefined for a full-refresh read). */
  readonly state: S | undefined
}

/** One stream of a source; `S` is its decoded state. */
export interface SourceStream<Config, E, R, S = JsonObject> {
  readonly name: string
  /** One line on what a record of this stream is, for help texts and Singer descriptions. */
  readonly description?: string
  readonly jsonSchema: JsonSchemaObject
  readonly supportedSyncModes: ReadonlyArray<SyncMode>
  readonly primaryKey: ReadonlyArray<ReadonlyArray<string>>
  readonly cursorField?: ReadonlyArray<string>
  /** CSV columns for shell exports (`read --format csv`) when `--columns` is not given (dotted paths). */
  readonly columns?: ReadonlyArray<string>
  readonly read: (context: ReadContext<Config, S>) => Stream.Stream<StreamEvent, E, R>
  /**
   * Decodes a state from the state input; Left names what is wrong. The runner calls it for
   * every input state of this stream before any stream is read. Without it the state is passed
   * as it is.
   */
  readonly decodeState?: (state: JsonObject) => Either.Either<S, string>
}

/** How an error is shown to the platform: an ERROR trace's `message`, `internal_message` and `failure_type`. */
export interface FailureReport {
  readonly failureType: FailureType
  readonly message: string
  readonly internalMessage?: string
}

/** A connector, as the runner sees it. `Env` is what its layer needs from `main` (an HTTP client, say). */
export interface Source<Config, ConfigEncoded, E, R, Env> {
  /** One sentence on what the source reads, for help texts, `--about` and package listings. */
  readonly description: string
  /**
   * Example command lines for a command's `--help`, by command name (`read`, say), shown after
   * the runner's generic ones: arguments only, without the program's name.
   */
  readonly examples?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly spec: ConnectorSpecification
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  /** The services the streams and the check need, built from the config; the runner provides the run's `Redaction`. */
  readonly layer: (config: Config) => Layer.Layer<R, never, Env | Redaction>
  /** Succeeds when the source can read with this config. */
  readonly check: (config: Config) => Effect.Effect<void, E, R | Env | Redaction>

  readonly streams: ReadonlyArray<SourceStream<Config, E, R, any>>
  /** The stream a bare (non-protocol) state object belongs to, if the source accepts one. */
  readonly bareStateStream?: string
  readonly describeError: (error: E) => FailureReport
}

/**
 * A stream declared as data: its record schema (an `effect/Schema`) instead of a JSON Schema,
 * which is built on first use, so that a command that never asks for it (`spec`) never pays
 * for it.
 */
export const defineStream = <Config, E, R, S = JsonObject>(
  declared: Omit<SourceStream<Config, E, R, S>, "jsonSchema"> & { readonly schema: Schema.Schema<any, any, never> }
): SourceStream<Config, E, R, S> => {
  const { schema, ...rest } = declared
  const jsonSchema = lazyFromSchema(schema)
  return {
    ...rest,
    get jsonSchema() {
      return jsonSchema()
    }
  }
}

/** Any source, for code that does not care about its type parameters. */

export type AnySource<Env> = Source<any, any, any, any, Env>

/** Any stream, for code that does not care about its type parameters. */

export type AnyStream = SourceStream<any, any, any, any>
