/**
 * The Singer side of the runner: Singer's catalog, state and message shapes, translated to and
 * from the Airbyte runner's. Discovery announces what the tap offers (`selected-by-default`,
 * `valid-replication-keys`, `inclusion`) and leaves the choices (`selected`, `replication-key`)
 * to the user. A catalog selects streams, and top-level fields within them by property
 * metadata: `inclusion: automatic` (keys, replication key) always kept, `unsupported` never, else
 * `selected`, else `selected-by-default`. A Singer `Format` renders what `Read` produces as Singer
 * messages: SCHEMA when a stream starts (narrowed to the selected fields), RECORD with
 * `time_extracted` (narrowed likewise), and STATE as `{"value":{"bookmarks":{<stream>: <state>}}}`
 * carrying every stream's bookmark; a STATE follows every stream, full-table ones included, so
 * the last message of a sync is always a STATE (stock targets drop the state they hold when a
 * RECORD follows it). Logs and errors go to stderr as text.
 */
import { isJsonObject } from "../airbyte/Inputs.js"
import * as Instant from "../airbyte/Instant.js"
import type { JsonSchemaObject } from "../airbyte/JsonSchema.js"
import type { Format } from "../airbyte/Output.js"
import type { ConfiguredAirbyteCatalog, JsonObject, SyncMode } from "../airbyte/Protocol.js"
import { defaultCatalog } from "../airbyte/Read.js"
import type { AnySource, SourceStream } from "../airbyte/Source.js"

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

const keyProperties = (stream: SourceStream<unknown, unknown, unknown>) =>
  stream.primaryKey.map((path) => path.join("."))

/** The Singer catalog of a source, with Singer's metadata breadcrumbs: every stream and field available and selected by default. */
export const catalogOf = (source: AnySource<unknown>): { readonly streams: ReadonlyArray<SingerStream> } => ({
  streams: source.streams.map((stream: SourceStream<unknown, unknown, unknown>) => {
    const incremental = stream.supportedSyncModes.includes("incremental") && stream.cursorField !== undefined
    const keys = keyProperties(stream)
    const properties = Object.keys((stream.jsonSchema["properties"] ?? {}) as object)
    const replicationKeys = incremental ? [stream.cursorField!.join(".")] : []
    return {
      tap_stream_id: stream.name,
      stream: stream.name,
      schema: stream.jsonSchema,
      key_properties: keys,
      ...(incremental ? { replication_key: replicationKeys[0]! } : {}),
      replication_method: incremental ? "INCREMENTAL" : "FULL_TABLE",
      metadata: [
        {
          breadcrumb: [],
          metadata: {
            inclusion: "available",
            "selected-by-default": true,
            "table-key-properties": keys,
            "valid-replication-keys": replicationKeys,
            ...(incremental ? {} : { "forced-replication-method": "FULL_TABLE" })
          }
        },
        ...properties.map((property) => ({
          breadcrumb: ["properties", property],
          metadata: {
            inclusion: keys.includes(property) || replicationKeys.includes(property) ? "automatic" : "available",
            "selected-by-default": true
          }
        }))
      ]
    }
  })
})

/** What a Singer catalog selects: the Airbyte catalog to read, and per stream the top-level fields to keep when not all are. */
export interface Selection {
  readonly catalog: ConfiguredAirbyteCatalog
  /** Selected fields in schema order, for the streams where some declared field is not selected. */
  readonly fields: ReadonlyMap<string, ReadonlyArray<string>>
}

const isSelected = (metadata: Readonly<Record<string, unknown>>, fallback: boolean): boolean => {
  if (metadata["inclusion"] === "automatic") return true
  if (metadata["inclusion"] === "unsupported") return false
  if (typeof metadata["selected"] === "boolean") return metadata["selected"]
  if (typeof metadata["selected-by-default"] === "boolean") return metadata["selected-by-default"]
  return fallback
}

const propertiesOf = (stream: SourceStream<unknown, unknown, unknown>): ReadonlyArray<string> =>
  Object.keys((stream.jsonSchema["properties"] ?? {}) as object)

/** Every stream, every field: what a sync without `--catalog` reads. */
export const selectAll = (source: AnySource<unknown>): Selection => ({
  catalog: defaultCatalog(source),
  fields: new Map()
})

/** Why a Singer catalog cannot be used, or what it selects (see the module header for the rules). */
export const selectedCatalog = (
  source: AnySource<unknown>,
  json: unknown
): Selection | { readonly problem: string } => {
  if (!isJsonObject(json) || !Array.isArray(json["streams"])) {
    return { problem: "expected a Singer catalog: an object with a streams array" }
  }
  const streams: Array<ConfiguredAirbyteCatalog["streams"][number]> = []
  const fields = new Map<string, ReadonlyArray<string>>()
  for (const [index, entry] of json["streams"].entries()) {
    if (!isJsonObject(entry)) return { problem: `streams[${index}] is not an object` }
    const name = entry["tap_stream_id"] ?? entry["stream"]
    if (typeof name !== "string") return { problem: `streams[${index}] has no tap_stream_id` }
    const metadata = (Array.isArray(entry["metadata"]) ? entry["metadata"] : []).filter(
      (item): item is MetadataItem =>
        isJsonObject(item) && Array.isArray(item["breadcrumb"]) && isJsonObject(item["metadata"])
    )
    const top = metadata.find((item) => item.breadcrumb.length === 0)?.metadata ?? {}
    const legacy = typeof entry["selected"] === "boolean" ? { selected: entry["selected"] } : {}
    if (!isSelected({ ...legacy, ...top, inclusion: undefined }, false)) continue
    const known = source.streams.find((stream: SourceStream<unknown, unknown, unknown>) => stream.name === name)
    const method = top["replication-method"] ?? entry["replication_method"]
    const syncMode: SyncMode = method === "FULL_TABLE" || !known?.supportedSyncModes.includes("incremental")
      ? "full_refresh"
      : "incremental"
    streams.push({ stream: { name }, sync_mode: syncMode })
    if (known === undefined) continue
    const always = new Set([...keyProperties(known), ...(known.cursorField ? [known.cursorField.join(".")] : [])])
    const declared = propertiesOf(known)
    const kept = declared.filter((property) => {
      if (always.has(property)) return true
      const item = metadata.find((m) =>
        m.breadcrumb.length === 2 && m.breadcrumb[0] === "properties" && m.breadcrumb[1] === property
      )
      return isSelected(item?.metadata ?? {}, true)
    })
    if (kept.length < declared.length) fields.set(name, kept)
  }
  return { catalog: { streams }, fields }
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

/** A record with only `fields` (those it has), in their order. */
const pick = (record: JsonObject, fields: ReadonlyArray<string>): JsonObject => {
  const picked: Record<string, unknown> = {}
  for (const field of fields) if (Object.hasOwn(record, field)) picked[field] = record[field]
  return picked
}

/** A stream's schema narrowed to `fields` (its `required` too). */
const narrowSchema = (schema: JsonSchemaObject, fields: ReadonlyArray<string> | undefined): JsonSchemaObject => {
  if (fields === undefined) return schema
  const properties = (schema["properties"] ?? {}) as Record<string, unknown>
  const required = Array.isArray(schema["required"])
    ? (schema["required"] as Array<string>).filter((name) => fields.includes(name))
    : []
  const { required: _required, ...rest } = schema
  return {
    ...rest,
    properties: Object.fromEntries(
      fields.filter((name) => Object.hasOwn(properties, name)).map((name) => [name, properties[name]])
    ),
    ...(required.length > 0 ? { required } : {})
  }
}

/**
 * Renders the runner's output as Singer messages. `initial` is the input state's bookmarks (kept
 * for streams not read); `fields` the narrowed streams of the selection.
 */
export const format = (
  source: AnySource<unknown>,
  initial: ReadonlyMap<string, JsonObject>,
  fields: ReadonlyMap<string, ReadonlyArray<string>> = new Map()
): Format => {
  const bookmarks: Record<string, JsonObject> = Object.fromEntries(initial)
  const streams = new Map(
    source.streams.map((stream: SourceStream<unknown, unknown, unknown>) => [stream.name, stream])
  )
  /** Whether a RECORD was printed since the last STATE. */
  let recordsSinceState = false
  const state = () => {
    recordsSinceState = false
    return JSON.stringify({ type: "STATE", value: { bookmarks } }) + "\n"
  }
  return {
    records: (stream, batch, emittedAt) => {
      const prefix = `{"type":"RECORD","stream":${JSON.stringify(stream)},"time_extracted":"${
        Instant.format(emittedAt)
      }","record":`
      const kept = fields.get(stream)
      let lines = ""
      for (const data of batch) lines += prefix + JSON.stringify(kept === undefined ? data : pick(data, kept)) + "}\n"
      if (batch.length > 0) recordsSinceState = true
      return lines
    },
    message: (message) => {
      switch (message.type) {
        case "TRACE": {
          const { trace } = message
          if (trace.type === "STREAM_STATUS") {
            const { status } = trace.stream_status
            if (status === "STARTED") {
              const stream = streams.get(trace.stream_status.stream_descriptor.name)
              if (stream === undefined) return {}
              const schema = {
                type: "SCHEMA",
                stream: stream.name,
                schema: narrowSchema(stream.jsonSchema, fields.get(stream.name)),
                key_properties: keyProperties(stream),
                bookmark_properties: stream.cursorField ? [stream.cursorField.join(".")] : []
              }
              return { stdout: JSON.stringify(schema) + "\n" }
            }
            if ((status === "COMPLETE" || status === "INCOMPLETE") && recordsSinceState) return { stdout: state() }
            return {}
          }
          if (trace.type === "ERROR") return { stderr: `CRITICAL ${trace.error.message}\n` }
          return {}
        }
        case "STATE": {
          const { stream } = message.state
          if (Object.keys(stream.stream_state).length > 0) {
            bookmarks[stream.stream_descriptor.name] = stream.stream_state
          }
          return { stdout: state() }
        }
        case "LOG":
          return { stderr: `${message.log.level} ${message.log.message}\n` }
        default:
          return {}
      }
    }
  }
}
