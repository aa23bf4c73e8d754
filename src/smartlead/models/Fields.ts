/**
 * Typed record fields, declared once for both directions: a model lists its fields as `Kinds`
 * (`{open_count: "int", sent_time: "datetime", …}`); `optionalFields` makes them the record
 * schema's fields (what `discover` announces) and `coerceFields` brings a decoded row to those
 * types in place. SmartLead sends counts and ids as numbers or digit strings, booleans as
 * booleans, `"true"`/`"false"` or 0/1, and timestamps in ISO 8601 with a `T` or a space, with
 * or without a zone (UTC then). Empty strings become null. A value that cannot be brought to its
 * type is named by its path; string values are never quoted (rows hold personal data, and email
 * accounts credentials).
 */
import { Schema } from "effect"
import * as Instant from "../../airbyte/Instant.js"
import { parseInteger, parseNumber } from "../../airbyte/Numbers.js"
import { isJsonObject } from "../../airbyte/Protocol.js"

/**
 * A field's type; objects and arrays of objects nest. `freeform` is an object whose fields are not
 * declared (custom fields, OAuth details), `list` an array of such objects: their schemas are
 * `{"type": ["object", "null"]}` with no `properties`, so consumers keep them as JSON.
 */
export type Kind =
  | "int"
  | "number"
  | "boolean"
  | "string"
  | "datetime"
  | "freeform"
  | "list"
  | { readonly object: Kinds }
  | { readonly arrayOf: Kinds }

/** The typed fields of a record or nested object, by name. */
export type Kinds = Readonly<Record<string, Kind>>

/** Whether a value is a JSON object (not null, not an array). */
/** Whether a value is a JSON object (the runner's one check). */
export const isObject = isJsonObject

/** A value's type for a message, quoting only numbers and booleans. */
export const describeValue = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  switch (typeof value) {
    case "string":
      return value.length === 0 ? "an empty string" : "a string"
    case "number":
    case "boolean":
      return `${value}`
    case "object":
      return "an object"
    default:
      return typeof value
  }
}

/** Why a body that should be a JSON array of `what` is not one: the keys of an object, else the value's type. */
export const notAnArray = (what: string, body: unknown): string =>
  `expected a JSON array of ${what}, got ${
    isObject(body) ? `an object with keys ${Object.keys(body).slice(0, 6).join(", ") || "none"}` : describeValue(body)
  }`

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|z|[+-]\d{2}:?\d{2})?$/

const INVALID: unique symbol = Symbol("invalid")

/** A timestamp in ISO 8601 with a `T` and a zone (`Z` when SmartLead sent none), or INVALID. */
export const toDateTime = (value: string): string | typeof INVALID => {
  // the usual form, `2025-01-03T10:00:00.000Z`, is kept as it is
  if (Instant.parseCanonical(value) !== undefined) return value
  const match = DATE_TIME.exec(value)
  if (match === null) return INVALID
  const text = `${match[1]}T${match[2]}${match[3] === undefined ? "Z" : match[3].toUpperCase()}`
  return Instant.isInstant(text) ? text : INVALID
}

const coerce = (value: unknown, kind: Exclude<Kind, object>): unknown => {
  if (value === null) return null
  if (value === "" && kind !== "string") return null
  switch (kind) {
    case "int":
      if (typeof value === "number") return Number.isSafeInteger(value) ? value : INVALID
      return typeof value === "string" ? parseInteger(value) ?? INVALID : INVALID
    case "number":
      if (typeof value === "number") return Number.isFinite(value) ? value : INVALID
      return typeof value === "string" ? parseNumber(value) ?? INVALID : INVALID
    case "boolean":
      if (typeof value === "boolean") return value
      if (value === 1 || value === "1" || value === "true") return true
      if (value === 0 || value === "0" || value === "false") return false
      return INVALID
    case "string":
      if (typeof value === "string") return value
      return typeof value === "number" || typeof value === "boolean" ? String(value) : INVALID
    case "datetime":
      return typeof value === "string" ? toDateTime(value) : INVALID
    case "freeform":
      return isObject(value) ? value : INVALID
    case "list":
      return Array.isArray(value) && value.every(isObject) ? value : INVALID
  }
}

const EXPECTED: Record<Exclude<Kind, object>, string> = {
  int: "a whole number",
  number: "a number",
  boolean: "true or false",
  string: "a string",
  datetime: "an ISO 8601 date-time",
  freeform: "an object",
  list: "an array of objects"
}

type Step =
  | { readonly name: string; readonly scalar: Exclude<Kind, object> }
  | { readonly name: string; readonly object: Plan }
  | { readonly name: string; readonly arrayOf: Plan }
type Plan = ReadonlyArray<Step>

/** Kinds as an array of steps, made once per `Kinds` object (records are checked by the thousand). */
const plans = new WeakMap<Kinds, Plan>()
const planOf = (kinds: Kinds): Plan => {
  let plan = plans.get(kinds)
  if (plan === undefined) {
    plan = Object.entries(kinds).map(([name, kind]): Step =>
      typeof kind !== "object"
        ? { name, scalar: kind }
        : "object" in kind
        ? { name, object: planOf(kind.object) }
        : { name, arrayOf: planOf(kind.arrayOf) }
    )
    plans.set(kinds, plan)
  }
  return plan
}

const run = (record: Record<string, unknown>, plan: Plan, path: string): string | undefined => {
  for (let i = 0; i < plan.length; i++) {
    const step = plan[i]!
    const value = record[step.name]
    if (value === undefined || value === null) continue
    if ("scalar" in step) {
      const coerced = coerce(value, step.scalar)
      if (coerced === INVALID) {
        return `${path}${step.name} must be ${EXPECTED[step.scalar]}, got ${describeValue(value)}`
      }
      if (coerced !== value) record[step.name] = coerced
    } else if ("object" in step) {
      if (!isObject(value)) return `${path}${step.name} must be an object, got ${describeValue(value)}`
      const problem = run(value, step.object, `${path}${step.name}.`)
      if (problem !== undefined) return problem
    } else {
      if (!Array.isArray(value)) return `${path}${step.name} must be an array, got ${describeValue(value)}`
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index]
        const at = `${path}${step.name}[${index}]`
        if (!isObject(item)) return `${at} must be an object, got ${describeValue(item)}`
        const problem = run(item, step.arrayOf, `${at}.`)
        if (problem !== undefined) return problem
      }
    }
  }
  return undefined
}

/**
 * Brings the declared fields of `record` to their types, in place. Fields the record lacks stay
 * absent; fields it has that are not declared are left as they are. Returns what is wrong, if
 * anything, naming the field by its path (`warmup_details.total_sent_count`).
 */
export const coerceFields = (record: Record<string, unknown>, kinds: Kinds): string | undefined =>
  run(record, planOf(kinds), "")

const DateTimeString = Schema.String.annotations({ jsonSchema: { format: "date-time" } })

/** One schema per scalar kind, shared by every field of that kind (schemas are immutable values). */
const SCALARS: Readonly<Record<Extract<Kind, string>, Schema.Schema.Any>> = {
  int: Schema.NullOr(Schema.Int),
  number: Schema.NullOr(Schema.Number),
  boolean: Schema.NullOr(Schema.Boolean),
  string: Schema.NullOr(Schema.String),
  datetime: Schema.NullOr(DateTimeString),
  freeform: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  // items typed as objects: strict consumers refuse an array whose items have no type
  list: Schema.NullOr(Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })))
}

const schemaOf = (kind: Kind): Schema.Schema.Any => {
  if (typeof kind === "object") {
    return "object" in kind
      ? Schema.NullOr(Schema.Struct(optionalFields(kind.object)))
      : Schema.NullOr(Schema.Array(Schema.Struct(optionalFields(kind.arrayOf))))
  }
  return SCALARS[kind]
}

/** The schema fields of `kinds`: each optional and nullable (records have them when SmartLead sends them). */
export const optionalFields = (kinds: Kinds): Record<string, Schema.optional<Schema.Schema.Any>> =>
  Object.fromEntries(Object.entries(kinds).map(([name, kind]) => [name, Schema.optional(schemaOf(kind))]))
