/**
 * The `--state` input. Accepts what the platform passes (a JSON array of per-stream
 * AirbyteStateMessages, extra fields such as `sourceStats` ignored), an empty array, a single
 * such message, and, for a source that names one, a bare stream-state object for that stream.
 * Produces the stream states by stream name; anything else is an `InputError` naming the file.
 * `stateInputOf` writes stream states back in the platform's form.
 */
import { Effect, Either, Schema } from "effect"
import { formatIssues, InputError, isJsonObject, readJsonFile } from "./Inputs.js"
import type { JsonObject } from "./Protocol.js"
import { StreamStateInput } from "./Protocol.js"

/** Stream states by stream name. */
export type StreamStates = ReadonlyMap<string, JsonObject>

const decodeEntry = Schema.decodeUnknownEither(StreamStateInput, { errors: "all" })

/** Interprets a parsed state file. */
export const parseState = (json: unknown, path: string, bareStateStream: string | undefined) =>
  Effect.gen(function*() {
    const fail = (reason: string) => new InputError({ flag: "state", path, reason })
    const isMessage = (value: unknown) => isJsonObject(value) && ("stream" in value || "type" in value)
    if (isJsonObject(json) && !isMessage(json)) {
      if (bareStateStream === undefined) return yield* fail("expected a JSON array of state messages")
      return new Map([[bareStateStream, json]]) as StreamStates
    }
    const entries = Array.isArray(json) ? json : [json]
    const states = new Map<string, JsonObject>()
    for (const [index, entry] of entries.entries()) {
      if (isJsonObject(entry) && entry["type"] !== undefined && entry["type"] !== "STREAM") {
        return yield* fail(`entry ${index} has state type ${JSON.stringify(entry["type"])}; only per-stream (STREAM) state is supported`)
      }
      const decoded = decodeEntry(entry)
      if (Either.isLeft(decoded)) {
        return yield* fail(`entry ${index} is not a per-stream state message: ${formatIssues(decoded.left).join("; ")}`)
      }
      const { stream } = decoded.right
      states.set(stream.stream_descriptor.name, stream.stream_state ?? {})
    }
    return states as StreamStates
  })

/** Reads the `--state` file, if one was given. */
export const readState = (path: string | undefined, bareStateStream: string | undefined) =>
  path === undefined
    ? Effect.succeed(new Map() as StreamStates)
    : Effect.flatMap(readJsonFile("state", path), (json) => parseState(json, path, bareStateStream))

/**
 * The state input for these stream states: an array of per-stream AirbyteStateMessages, as the
 * platform passes to `--state` (and as `parseState` reads back).
 */
export const stateInputOf = (states: StreamStates): Array<StreamStateInput> =>
  Array.from(states, ([name, state]) => ({ type: "STREAM" as const, stream: { stream_descriptor: { name }, stream_state: state } }))
