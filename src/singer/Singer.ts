/**
 * The Singer side of the runner: Singer's catalog, state and message shapes, translated to and
 * from the Airbyte runner's. A Singer `Format` renders what `Read` produces as Singer messages:
 * SCHEMA when a stream starts, RECORD with `time_extracted`, and STATE as
 * `{"value":{"bookmarks":{<stream>: <stream state>}}}` carrying every stream's bookmark; logs and
 * errors go to stderr as text. The same streams, cursors and checkpoints serve both protocols.
 */
import { isJsonObject } from "../airbyte/Inputs.js"
import type { JsonSchemaObject } from "../airbyte/JsonSchema.js"
import type { Format } from "../airbyte/Output.js"
import type { ConfiguredAirbyteCatalog, JsonObject, SyncMode } from "../airbyte/Protocol.js"
import type { AnySource, SourceStream } from "../airbyte/Source.js"
import { jsonSchemaOf } from "../airbyte/Source.js"

/** A Singer catalog entry's metadata item. */
export interface MetadataItem {
  readonly breadcrumb: ReadonlyArray<string>
  readonly metadata: Readonly<Record<string, unknown>>
}

/** A Singer catalog stream. */
export interface SingerStream {
  readonly tap_stream_id: string
  readonly stream: string
  readonly schema: JsonSchemaObject
  readonly key_properties: ReadonlyArray<string>
  readonly replication_key?: string
  readonly replication_method: "INCREMENTAL" | "FULL_TABLE"
  readonly metadata: ReadonlyArray<MetadataItem>
}

const keyProperties = (stream: SourceStream<unknown, unknown, unknown>) => stream.primaryKey.map((path) => path.join("."))

/** The Singer catalog of a source for a config: every stream selected, with Singer's metadata breadcrumbs. */
export const catalogOf = (source: AnySource<unknown>, config: unknown): { readonly streams: ReadonlyArray<SingerStream> } => ({
  streams: source.streams.map((stream: SourceStream<unknown, unknown, unknown>) => {
    const incremental = stream.supportedSyncModes.includes("incremental") && stream.cursorField !== undefined
    const keys = keyProperties(stream)
    const jsonSchema = jsonSchemaOf(stream, config)
    const properties = Object.keys((jsonSchema["properties"] ?? {}) as object)
    const replicationKeys = incremental ? [stream.cursorField!.join(".")] : []
    return {
      tap_stream_id: stream.name,
      stream: stream.name,
      schema: jsonSchema,
      key_properties: keys,
      ...(incremental ? { replication_key: replicationKeys[0]! } : {}),
      replication_method: incremental ? "INCREMENTAL" : "FULL_TABLE",
      metadata: [
        {
          breadcrumb: [],
          metadata: {
            selected: true,
            inclusion: "available",
            "table-key-properties": keys,
            "valid-replication-keys": replicationKeys,
            "forced-replication-method": incremental ? undefined : "FULL_TABLE",
            ...(incremental ? { "replication-key": replicationKeys[0] } : {})
          }
        },
        ...properties.map((property) => ({
          breadcrumb: ["properties", property],
          metadata: { inclusion: keys.includes(property) || replicationKeys.includes(property) ? "automatic" : "available" }
        }))
      ]
    }
  })
})

/** Why a Singer catalog cannot be used, or the Airbyte catalog it selects. */
export const selectedCatalog = (
  source: AnySource<unknown>,
  json: unknown
): { readonly catalog: ConfiguredAirbyteCatalog } | { readonly problem: string } => {
  if (!isJsonObject(json) || !Array.isArray(json["streams"])) return { problem: "expected a Singer catalog: an object with a streams array" }
  const streams: Array<ConfiguredAirbyteCatalog["streams"][number]> = []
  for (const [index, entry] of json["streams"].entries()) {
    if (!isJsonObject(entry)) return { problem: `streams[${index}] is not an object` }
    const name = entry["tap_stream_id"] ?? entry["stream"]
    if (typeof name !== "string") return { problem: `streams[${index}] has no tap_stream_id` }
    const metadata = Array.isArray(entry["metadata"]) ? (entry["metadata"] as Array<MetadataItem>) : []
    const top = metadata.find((item) => isJsonObject(item) && Array.isArray(item.breadcrumb) && item.breadcrumb.length === 0)?.metadata ?? {}
    const selected = top["selected"] ?? entry["selected"]
    if (selected !== true) continue
    const known = source.streams.find((stream: SourceStream<unknown, unknown, unknown>) => stream.name === name)
    const method = top["replication-method"] ?? entry["replication_method"]
    const syncMode: SyncMode = method === "FULL_TABLE" || !known?.supportedSyncModes.includes("incremental") ? "full_refresh" : "incremental"
    streams.push({ stream: { name }, sync_mode: syncMode })
  }
  return { catalog: { streams } }
}

/** The stream states in a Singer state: `{"bookmarks":{…}}`, or a STATE message's `{"value":{"bookmarks":{…}}}`. */
export const bookmarksOf = (json: unknown): ReadonlyMap<string, JsonObject> | string => {
  const value = isJsonObject(json) && isJsonObject(json["value"]) ? json["value"] : json
  if (!isJsonObject(value)) return "expected a Singer state object with bookmarks"
  const bookmarks = value["bookmarks"] ?? {}
  if (!isJsonObject(bookmarks)) return "bookmarks must be an object keyed by stream"
  const states = new Map<string, JsonObject>()
  for (const [name, bookmark] of Object.entries(bookmarks)) {
    if (!isJsonObject(bookmark)) return `bookmarks.${name} must be an object`
    states.set(name, bookmark)
  }
  return states
}

/** Renders the runner's output as Singer messages (SCHEMA messages carry each stream's schema for `config`). */
export const format = (source: AnySource<unknown>, initial: ReadonlyMap<string, JsonObject>, config: unknown): Format => {
  const bookmarks: Record<string, JsonObject> = Object.fromEntries(initial)
  const streams = new Map(source.streams.map((stream: SourceStream<unknown, unknown, unknown>) => [stream.name, stream]))
  return {
    records: (stream, batch, emittedAt) => {
      const prefix = `{"type":"RECORD","stream":${JSON.stringify(stream)},"time_extracted":"${new Date(emittedAt).toISOString()}","record":`
      let lines = ""
      for (const data of batch) lines += prefix + JSON.stringify(data) + "}\n"
      return lines
    },
    message: (message) => {
      switch (message.type) {
        case "TRACE": {
          const { trace } = message
          if (trace.type === "STREAM_STATUS" && trace.stream_status.status === "STARTED") {
            const stream = streams.get(trace.stream_status.stream_descriptor.name)
            if (stream === undefined) return {}
            const schema = {
              type: "SCHEMA",
              stream: stream.name,
              schema: jsonSchemaOf(stream, config),
              key_properties: keyProperties(stream),
              bookmark_properties: stream.cursorField ? [stream.cursorField.join(".")] : []
            }
            return { stdout: JSON.stringify(schema) + "\n" }
          }
          if (trace.type === "ERROR") return { stderr: `CRITICAL ${trace.error.message}\n` }
          return {}
        }
        case "STATE": {
          const { stream } = message.state
          if (Object.keys(stream.stream_state).length === 0) return {}
          bookmarks[stream.stream_descriptor.name] = stream.stream_state
          return { stdout: JSON.stringify({ type: "STATE", value: { bookmarks } }) + "\n" }
        }
        case "LOG":
          return { stderr: `${message.log.level} ${message.log.message}\n` }
        default:
          return {}
      }
    }
  }
}
