/**
 * A fake `Source` for the runner's unit tests, knowing nothing of SmartLead, and an `Output`
 * that captures what the runner writes. Two streams: `items`, incremental on `id` with a state
 * `{cursor}` that `decodeState` turns into `{after}` (so a test can see the stream got the
 * decoded state), read as the pages of ids the config lists, a checkpoint after each page; and
 * `tags`, full refresh, one batch. The config scripts failures. Every record array a stream
 * emits is kept in `emitted`, so a test can check that the runner emptied it.
 */
import { Context, Data, Effect, Either, Layer, Schema, Stream } from "effect"
import type { OutputShape } from "../../src/airbyte/Output.js"
import { Output } from "../../src/airbyte/Output.js"
import type { AirbyteMessage, JsonObject } from "../../src/airbyte/Protocol.js"
import type { Source, SourceStream, StreamEvent } from "../../src/airbyte/Source.js"
import { checkpoint, records } from "../../src/airbyte/Source.js"

/** The fake's config: what each stream does. */
export const FakeConfig = Schema.Struct({
  /** The ids of `items`, page by page. */
  items: Schema.Array(Schema.Array(Schema.Number)),
  /** Whether `items` checkpoints after each page (default true). */
  itemsCheckpoint: Schema.optional(Schema.Boolean),
  /** `items` fails after this many pages. */
  itemsFailAfter: Schema.optional(Schema.Number),
  /** How many `tags` records. */
  tags: Schema.Number,
  /** `tags` fails before any record. */
  tagsFail: Schema.optional(Schema.Boolean)
})
export type FakeConfig = typeof FakeConfig.Type

/** A stream of the fake failed. */
export class FakeError extends Data.TaggedError("FakeError")<{ readonly stream: string }> {
  override get message(): string {
    return `${this.stream} broke`
  }
}

/** The fake's service, built from the config by the source's layer: the `tags` to serve. */
export class TagsApi
  extends Context.Tag("test/TagsApi")<TagsApi, { readonly tags: (count: number) => Array<JsonObject> }>()
{}

/** The decoded `items` state. */
export interface ItemsState {
  readonly after: number
}

/** The record arrays the fake's streams emitted, in order. */
export const emitted: Array<Array<JsonObject>> = []

const batch = (rows: Array<JsonObject>): StreamEvent => {
  emitted.push(rows)
  return records(rows)
}

const decodeItemsState = (state: JsonObject): Either.Either<ItemsState, string> =>
  typeof state["cursor"] === "number" && Number.isInteger(state["cursor"]) && state["cursor"] >= 0
    ? Either.right({ after: state["cursor"] })
    : Either.left(`cursor must be a non-negative integer (got ${JSON.stringify(state["cursor"])})`)

/** The `items` stream: the config's pages, ids above the state's cursor only. */
export const items: SourceStream<FakeConfig, FakeError, TagsApi, ItemsState> = {
  name: "items",
  description: "numbered things",
  jsonSchema: { type: "object", properties: { id: { type: "integer" } } },
  supportedSyncModes: ["full_refresh", "incremental"],
  primaryKey: [["id"]],
  cursorField: ["id"],
  decodeState: decodeItemsState,
  read: ({ config, state }) =>
    Stream.fromIterable(config.items.entries()).pipe(
      Stream.mapConcatEffect(([index, page]) => {
        if (config.itemsFailAfter !== undefined && index >= config.itemsFailAfter) {
          return Effect.fail(new FakeError({ stream: "items" }))
        }
        const ids = page.filter((id) => id > (state?.after ?? -1))
        const events = [batch(ids.map((id) => ({ id })))]
        if (config.itemsCheckpoint !== false && ids.length > 0) events.push(checkpoint({ cursor: Math.max(...ids) }))
        return Effect.succeed(events)
      })
    )
}

/** The `tags` stream: one batch of `config.tags` records, from the `TagsApi`. */
export const tags: SourceStream<FakeConfig, FakeError, TagsApi> = {
  name: "tags",
  jsonSchema: { type: "object", properties: { tag: { type: "string" } } },
  supportedSyncModes: ["full_refresh"],
  primaryKey: [["tag"]],
  read: ({ config }) =>
    config.tagsFail === true
      ? Stream.fail(new FakeError({ stream: "tags" }))
      : Stream.fromEffect(Effect.map(TagsApi, (api) => batch(api.tags(config.tags))))
}

/** The fake source. */
export const FakeSource: Source<FakeConfig, typeof FakeConfig.Encoded, FakeError, TagsApi, never> = {
  description: "numbered things and their tags",
  examples: { read: ["read --config fake.json | grep RECORD"] },
  spec: {
    connectionSpecification: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      required: ["items", "tags"],
      properties: {
        items: { type: "array" },
        itemsCheckpoint: { type: "boolean" },
        itemsFailAfter: { type: "integer" },
        tags: { type: "integer" },
        tagsFail: { type: "boolean" }
      }
    }
  },
  configSchema: FakeConfig,
  layer: () =>
    Layer.succeed(TagsApi, { tags: (count) => Array.from({ length: count }, (_, index) => ({ tag: `t${index}` })) }),
  check: () => Effect.void,
  streams: [items, tags],
  describeError: (error) => ({ failureType: "transient_error", message: error.message })
}

/** An `Output` that keeps every message (records as RECORD messages, `emitted_at` 0). */
export const captureOutput = () => {
  const messages: Array<AirbyteMessage> = []
  const output: OutputShape = {
    write: (message) => Effect.sync(() => void messages.push(message)),
    writeRecords: (stream, rows, then) =>
      Effect.sync(() => {
        for (const data of rows) messages.push({ type: "RECORD", record: { stream, data, emitted_at: 0 } })
        if (then !== undefined) messages.push(then)
      }),
    unsafeWrite: (message) => void messages.push(message),
    useFormat: () => Effect.void,
    stderr: { write: () => {}, isTerminal: false, columns: undefined }
  }
  return { messages, layer: Layer.succeed(Output, output) }
}

/** One line per message, for exact assertions: `items RECORD {"id":1}`, `items STATE {"cursor":3} 3`, `items STARTED`. */
export const summarize = (messages: ReadonlyArray<AirbyteMessage>): Array<string> =>
  messages.flatMap((message) => {
    switch (message.type) {
      case "RECORD":
        return [`${message.record.stream} RECORD ${JSON.stringify(message.record.data)}`]
      case "STATE":
        return [
          `${message.state.stream.stream_descriptor.name} STATE ${
            JSON.stringify(message.state.stream.stream_state)
          } ${message.state.sourceStats.recordCount}`
        ]
      case "TRACE":
        return message.trace.type === "STREAM_STATUS"
          ? [`${message.trace.stream_status.stream_descriptor.name} ${message.trace.stream_status.status}`]
          : [`${message.trace.type}`]
      default:
        return [message.type]
    }
  })
