/**
 * The Airbyte protocol messages this runner prints and the inputs it reads (configured catalog,
 * state), as `effect/Schema` definitions. Output messages are typed here and encoded by
 * `Output`; inputs are decoded here with messages that name the offending path. Field names
 * follow the official protocol (v0.18) exactly.
 */
import { Schema } from "effect"

/** A JSON object whose keys are not constrained. */
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type JsonObject = typeof JsonObject.Type

/** Whether a value is a JSON object (not null, not an array). The one copy of this check. */
export const isJsonObject = (value: unknown): value is { [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const StreamDescriptor = Schema.Struct({
  name: Schema.String,
  namespace: Schema.optional(Schema.String)
})
export type StreamDescriptor = typeof StreamDescriptor.Type

export const SyncMode = Schema.Literal("full_refresh", "incremental")
export type SyncMode = typeof SyncMode.Type

export const DestinationSyncMode = Schema.Literal("append", "overwrite", "append_dedup", "update", "soft_delete")

export const FailureType = Schema.Literal("system_error", "config_error", "transient_error")
export type FailureType = typeof FailureType.Type

export const LogLevel = Schema.Literal("FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE")
export type LogLevel = typeof LogLevel.Type

export const StreamStatus = Schema.Literal("STARTED", "RUNNING", "COMPLETE", "INCOMPLETE")
export type StreamStatus = typeof StreamStatus.Type

/** An `AirbyteStream`: what `discover` announces for one stream. */
export const AirbyteStream = Schema.Struct({
  name: Schema.String,
  json_schema: JsonObject,
  supported_sync_modes: Schema.Array(SyncMode),
  source_defined_cursor: Schema.optional(Schema.Boolean),
  default_cursor_field: Schema.optional(Schema.Array(Schema.String)),
  source_defined_primary_key: Schema.optional(Schema.Array(Schema.Array(Schema.String))),
  namespace: Schema.optional(Schema.String),
  is_resumable: Schema.optional(Schema.Boolean)
})
export type AirbyteStream = typeof AirbyteStream.Type

export const AirbyteCatalog = Schema.Struct({ streams: Schema.Array(AirbyteStream) })
export type AirbyteCatalog = typeof AirbyteCatalog.Type

/** A `ConfiguredAirbyteStream`, decoded leniently: unknown fields are ignored. */
export const ConfiguredAirbyteStream = Schema.Struct({
  stream: Schema.Struct({
    name: Schema.String,
    namespace: Schema.optional(Schema.NullOr(Schema.String))
  }),
  sync_mode: SyncMode,
  destination_sync_mode: Schema.optional(Schema.String),
  cursor_field: Schema.optional(Schema.Array(Schema.String)),
  primary_key: Schema.optional(Schema.Array(Schema.Array(Schema.String)))
})
export type ConfiguredAirbyteStream = typeof ConfiguredAirbyteStream.Type

export const ConfiguredAirbyteCatalog = Schema.Struct({ streams: Schema.Array(ConfiguredAirbyteStream) })
export type ConfiguredAirbyteCatalog = typeof ConfiguredAirbyteCatalog.Type

/** One entry of the platform's state input: a per-stream state (other types are rejected). */
export const StreamStateInput = Schema.Struct({
  type: Schema.optional(Schema.Literal("STREAM")),
  stream: Schema.Struct({
    stream_descriptor: Schema.Struct({
      name: Schema.String,
      namespace: Schema.optional(Schema.NullOr(Schema.String))
    }),
    stream_state: Schema.optional(Schema.NullOr(JsonObject))
  })
})
export type StreamStateInput = typeof StreamStateInput.Type

export interface ConnectorSpecification {
  readonly documentationUrl?: string
  readonly changelogUrl?: string
  readonly connectionSpecification: JsonObject
  readonly supportsIncremental?: boolean
  readonly supported_destination_sync_modes?: ReadonlyArray<typeof DestinationSyncMode.Type>
  readonly protocol_version?: string
}

export interface ErrorTrace {
  readonly message: string
  readonly internal_message?: string
  readonly stack_trace?: string
  readonly failure_type: FailureType
  readonly stream_descriptor?: StreamDescriptor
}

/** Every message this runner prints, discriminated on `type`. */
export type AirbyteMessage =
  | { readonly type: "SPEC"; readonly spec: ConnectorSpecification }
  | { readonly type: "CONNECTION_STATUS"; readonly connectionStatus: { readonly status: "SUCCEEDED" | "FAILED"; readonly message?: string } }
  | { readonly type: "CATALOG"; readonly catalog: AirbyteCatalog }
  | { readonly type: "RECORD"; readonly record: { readonly stream: string; readonly data: JsonObject; readonly emitted_at: number } }
  | {
    readonly type: "STATE"
    readonly state: {
      readonly type: "STREAM"
      readonly stream: { readonly stream_descriptor: StreamDescriptor; readonly stream_state: JsonObject }
      readonly sourceStats: { readonly recordCount: number }
    }
  }
  | { readonly type: "LOG"; readonly log: { readonly level: LogLevel; readonly message: string; readonly stack_trace?: string } }
  | {
    readonly type: "TRACE"
    readonly trace:
      | { readonly type: "ERROR"; readonly emitted_at: number; readonly error: ErrorTrace }
      | {
        readonly type: "ESTIMATE"
        readonly emitted_at: number
        readonly estimate: { readonly name: string; readonly type: "STREAM" | "SYNC"; readonly row_estimate?: number; readonly byte_estimate?: number }
      }
      | {
        readonly type: "STREAM_STATUS"
        readonly emitted_at: number
        readonly stream_status: { readonly stream_descriptor: StreamDescriptor; readonly status: StreamStatus }
      }
  }

/** A STATE message for one stream. */
export const stateMessage = (name: string, streamState: JsonObject, recordCount: number): AirbyteMessage => ({
  type: "STATE",
  state: {
    type: "STREAM",
    stream: { stream_descriptor: { name }, stream_state: streamState },
    sourceStats: { recordCount }
  }
})

/** A STREAM_STATUS trace. */
export const streamStatusMessage = (name: string, status: StreamStatus): AirbyteMessage => ({
  type: "TRACE",
  trace: { type: "STREAM_STATUS", emitted_at: Date.now(), stream_status: { stream_descriptor: { name }, status } }
})

/** An ERROR trace. */
export const errorTraceMessage = (error: ErrorTrace): AirbyteMessage => ({
  type: "TRACE",
  trace: { type: "ERROR", emitted_at: Date.now(), error }
})

/** A per-stream ESTIMATE trace. */
export const estimateMessage = (name: string, rowEstimate: number): AirbyteMessage => ({
  type: "TRACE",
  trace: { type: "ESTIMATE", emitted_at: Date.now(), estimate: { name, type: "STREAM", row_estimate: rowEstimate } }
})

/** A LOG message. */
export const logMessage = (level: LogLevel, message: string, stackTrace?: string): AirbyteMessage => ({
  type: "LOG",
  log: stackTrace === undefined ? { level, message } : { level, message, stack_trace: stackTrace }
})
