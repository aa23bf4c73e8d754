/**
 * Values made to fit the JSON Schema that declares them, before anything is printed. Records: a
 * stream's record conformer, compiled once from its schema, gives every record every top-level
 * declared field (`null` when the API left it out), declared fields first in schema order and
 * undeclared ones after, and turns numeric strings into numbers where the field is declared
 * `integer` or `number` (`"42"` → 42). A value it cannot make its declared type is kept as sent
 * and counted; `records` logs one WARN per stream at the end naming those fields, and one WARN per
 * field the records carried that the schema does not declare (passed through, but noticed). Config: numeric
 * strings become numbers and a date alone becomes midnight UTC where the spec declares
 * `integer`/`number` and `date-time` (Meltano passes settings from the environment as strings).
 * The runner knows nothing of any connector: everything here comes from the schemas.
 */
import { Effect, Stream } from "effect"
import { isInstant } from "./Instant.js"
import type { JsonSchemaObject } from "./JsonSchema.js"
import type { NumericKind } from "./Numbers.js"
import { parseNumber } from "./Numbers.js"
import { isJsonObject } from "./Protocol.js"
import type { JsonObject } from "./Protocol.js"
import type { StreamEvent } from "./Source.js"

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/** A date alone (`2025-01-01`) naming a real calendar day. */
const isDate = (value: string): boolean => DATE_ONLY.test(value) && isInstant(value)

const typesOf = (schema: unknown): ReadonlyArray<unknown> =>
  !isJsonObject(schema) ? [] : Array.isArray(schema["type"]) ? schema["type"] : [schema["type"]]

/** `integer` or `number` when a schema declares one of them and not `string`; undefined otherwise. */
const numericKind = (schema: unknown): NumericKind | undefined => {
  const types = typesOf(schema)
  if (types.includes("string")) return undefined
  return types.includes("integer") ? "integer" : types.includes("number") ? "number" : undefined
}

/** How one record field is checked: its name and its numeric kind, if any. */
interface Field {
  readonly name: string
  readonly kind: NumericKind | undefined
}

/** What a stream's records went through: per field, the values kept as sent because they are not of its type. */
export interface RecordConformer {
  /** Replaces every record of the batch, in the same array, by its conformed copy. */
  readonly conform: (batch: Array<JsonObject>) => void
  /** Fields whose values could not be made their declared type, with how many, in schema order. */
  readonly uncoercible: () => ReadonlyArray<readonly [field: string, count: number]>
  /** Top-level fields records carried that the schema does not declare, in the order first seen. */
  readonly undeclared: () => ReadonlyArray<string>
}

/**
 * The conformer of a stream's records, compiled from its schema's top-level `properties`. The
 * per-record function is generated once (`new Function`) as one object literal over the declared
 * fields: every record then has the same hidden class and stays a fast-properties object, which
 * keeps this step at ~0.15 µs a record where a loop of keyed stores costs ~3 µs (leads are the hot
 * path). Field names enter the generated code only through `JSON.stringify`.
 */
export const forRecords = (schema: JsonSchemaObject): RecordConformer => {
  const properties = isJsonObject(schema["properties"]) ? schema["properties"] : {}
  const fields: ReadonlyArray<Field> = Object.entries(properties).map(([name, property]) => ({
    name,
    kind: numericKind(property)
  }))
  const counts = new Array<number>(fields.length).fill(0)
  const uncoercible = () =>
    fields.flatMap((field, index) => (counts[index]! > 0 ? [[field.name, counts[index]!] as const] : []))
  const seen = new Set<string>()
  const undeclared = () => Array.from(seen)
  if (fields.length === 0) return { conform: () => {}, uncoercible, undeclared }

  /** A value of a numeric field that is neither null nor of its kind: made a number if it can be, else counted and kept. */
  const coerce = (value: unknown, index: number): unknown => {
    if (typeof value === "string") {
      const number = parseNumber(value, fields[index]!.kind!)
      if (number !== undefined) return number
    }
    counts[index]!++
    return value
  }
  const declared = new Set(fields.map((field) => field.name))
  /** Undeclared fields, after the declared ones (`__proto__` as an own property, as JSON.parse made it). */
  const addExtras = (record: JsonObject, out: Record<string, unknown>): void => {
    for (const key in record) {
      if (declared.has(key)) continue
      if (record[key] !== undefined && !seen.has(key)) seen.add(key)
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value: record[key], enumerable: true, writable: true, configurable: true })
      } else out[key] = record[key]
    }
  }
  const entries = fields.map((field, index) => {
    const key = JSON.stringify(field.name)
    const property = field.name === "__proto__" ? `[${key}]` : key
    const check = field.kind === "integer"
      ? `(v === null || Number.isSafeInteger(v) ? v : coerce(v, ${index}))`
      : field.kind === "number"
      ? `(v === null || (typeof v === "number" && Number.isFinite(v)) ? v : coerce(v, ${index}))`
      : "v"
    return `${property}: (v = r[${key}]) === undefined ? null : (n++, ${check})`
  })
  const build = new Function(
    "coerce",
    "addExtras",
    `return function conformRecord(r) {
  let v
  let n = 0
  const out = {
    ${entries.join(",\n    ")}
  }
  let keys = 0
  for (const _ in r) keys++
  if (keys !== n) addExtras(r, out)
  return out
}`
  ) as (
    coerce: (value: unknown, index: number) => unknown,
    addExtras: (record: JsonObject, out: JsonObject) => void
  ) => (record: JsonObject) => JsonObject
  const conformRecord = build(coerce, addExtras)
  return {
    conform: (batch) => {
      for (let index = 0; index < batch.length; index++) batch[index] = conformRecord(batch[index]!)
    },
    uncoercible,
    undeclared
  }
}

/** The WARN text for a stream's uncoercible values, if there were any. */
export const warning = (stream: string, uncoercible: ReadonlyArray<readonly [string, number]>): string | undefined => {
  if (uncoercible.length === 0) return undefined
  const total = uncoercible.reduce((sum, [, count]) => sum + count, 0)
  const fields = uncoercible.map(([field, count]) => `${field} (${count})`).join(", ")
  return `Stream ${JSON.stringify(stream)}: ${total} value${
    total === 1 ? "" : "s"
  } not of the declared type passed through as sent: ${fields}`
}

/** The WARN text for a field records carry that their stream's schema does not declare. */
export const undeclaredWarning = (stream: string, field: string): string =>
  `Stream ${JSON.stringify(stream)}: records carry the field ${
    JSON.stringify(field)
  }, which the stream's schema does not declare; it is passed through as sent, but consumers that keep only declared fields drop it`

/**
 * Conforms the records of every `Records` event of a stream (in place, see `forRecords`), and
 * logs when the stream ends one WARN if some values could not be made their declared type, and
 * one WARN per top-level field the records carried that the schema does not declare.
 */
export const records =
  (stream: string, schema: JsonSchemaObject) =>
  <E, R>(events: Stream.Stream<StreamEvent, E, R>): Stream.Stream<StreamEvent, E, R> =>
    Stream.suspend(() => {
      const conformer = forRecords(schema)
      return events.pipe(
        Stream.mapChunks((chunk) => {
          for (const event of chunk) if (event._tag === "Records") conformer.conform(event.records as Array<JsonObject>)
          return chunk
        }),
        Stream.ensuring(Effect.suspend(() => {
          const text = warning(stream, conformer.uncoercible())
          const undeclared = conformer.undeclared().map((field) => undeclaredWarning(stream, field))
          return Effect.forEach(text === undefined ? undeclared : [text, ...undeclared], (line) =>
            Effect.logWarning(line), {
            discard: true
          })
        }))
      )
    })

/** A config setting's value made its declared type where it arrives as a string (see the module header). */
const conformSetting = (schema: unknown, value: unknown): unknown => {
  if (typeof value === "string") {
    // any number, even for an integer setting: decoding then names the setting and the value
    if (numericKind(schema) !== undefined) return parseNumber(value, "number") ?? value
    if (isJsonObject(schema) && schema["format"] === "date-time" && isDate(value)) return `${value}T00:00:00Z`
    return value
  }
  if (Array.isArray(value) && isJsonObject(schema) && schema["items"] !== undefined) {
    return value.map((item) => conformSetting(schema["items"], item))
  }
  return value
}

/** A config with its top-level settings made their declared types (a copy; values that do not fit are left for decoding to report). */
export const config = (specification: JsonSchemaObject, input: JsonObject): JsonObject => {
  const properties = isJsonObject(specification["properties"]) ? specification["properties"] : {}
  return Object.fromEntries(
    Object.entries(input).map((
      [key, value]
    ) => [key, Object.hasOwn(properties, key) ? conformSetting(properties[key], value) : value])
  )
}
