/**
 * JSON Schemas in the form Airbyte and Singer tools accept. `JSONSchema.make` from `effect` emits
 * `$ref`s into `$defs`, `allOf` wrappers around annotated refinements, `anyOf` for nullable
 * members, `additionalProperties: false`, empty `required` arrays, and `{"$id":"/schemas/unknown"}`
 * for `Schema.Unknown` (the same `$id` at several places, which a draft-07 compiler refuses).
 * `toAirbyte` rewrites a generated schema into a self-contained schema valid under draft-07 and
 * draft-04 compilers: no `$ref`, `$id`, `$defs` or `allOf`, type arrays for nullables, every
 * `additionalProperties` `true`, no empty `required`, no empty `properties` (a free-form object is
 * `{"type": "object"}` alone); an unknown value becomes the empty schema
 * `{}` (and `true` as `additionalProperties`). A referenced definition's own title and description
 * (Effect's names for its built-ins, such as "int") are dropped. It cannot invent a type for a
 * field declared `Schema.Unknown`: declare such fields with a type (the schema guard test fails
 * on any property without one).
 */
import { JSONSchema, type Schema } from "effect"
import { isJsonObject } from "./Protocol.js"

/** A JSON Schema document as a plain object. */
export type JsonSchemaObject = { [key: string]: unknown }

const typesOf = (node: JsonSchemaObject): Array<string> | undefined => {
  if (typeof node["type"] === "string") return [node["type"]]
  if (Array.isArray(node["type"])) return node["type"] as Array<string>
  return undefined
}

/** Effect's schemas for `Schema.Unknown` and `Schema.Any`: no constraint at all. */
const isUnconstrained = (node: JsonSchemaObject): boolean =>
  node["$id"] === "/schemas/unknown" || node["$id"] === "/schemas/any"

const normalize = (node: unknown, defs: JsonSchemaObject): unknown => {
  if (Array.isArray(node)) return node.map((item) => normalize(item, defs))
  if (!isJsonObject(node)) return node
  if (isUnconstrained(node)) {
    const { $id: _id, title, ...rest } = node
    return title === "unknown" || title === "any" ? normalize(rest, defs) : normalize({ ...rest, title }, defs)
  }
  let current: JsonSchemaObject = { ...node }
  const ref = current["$ref"]
  if (typeof ref === "string") {
    delete current["$ref"]
    const { description: _description, title: _title, ...target } = normalize(
      defs[ref.replace(/^#\/\$defs\//, "")],
      defs
    ) as JsonSchemaObject
    current = { ...target, ...current }
  }
  const allOf = current["allOf"]
  if (Array.isArray(allOf)) {
    delete current["allOf"]
    const merged = allOf.reduce<JsonSchemaObject>(
      (acc, member) => ({ ...acc, ...(normalize(member, defs) as JsonSchemaObject) }),
      {}
    )
    current = { ...merged, ...current }
  }
  const anyOf = current["anyOf"]
  if (Array.isArray(anyOf)) {
    const members = anyOf.map((member) => normalize(member, defs) as JsonSchemaObject)
    const types = members.map(typesOf)
    if (types.every((t) => t !== undefined)) {
      delete current["anyOf"]
      const merged = members.reduce<JsonSchemaObject>((acc, member) => ({ ...acc, ...member }), {})
      const enums = members.flatMap((member) => (Array.isArray(member["enum"]) ? member["enum"] : []))
      const allTypes = Array.from(new Set(types.flat()))
      current = { ...merged, ...current, type: allTypes.length === 1 ? allTypes[0] : allTypes }
      if (enums.length > 0) current["enum"] = allTypes.includes("null") ? [...enums, null] : enums
    } else {
      current["anyOf"] = members
    }
  }
  delete current["$defs"]
  delete current["$id"]
  for (const key of ["properties", "patternProperties"] as const) {
    const props = current[key]
    if (isJsonObject(props)) {
      current[key] = Object.fromEntries(Object.entries(props).map(([name, value]) => [name, normalize(value, defs)]))
    }
  }
  if (current["items"] !== undefined) current["items"] = normalize(current["items"], defs)
  if (current["additionalProperties"] !== undefined) current["additionalProperties"] = true
  if (Array.isArray(current["required"]) && current["required"].length === 0) delete current["required"]
  if (isJsonObject(current["properties"]) && Object.keys(current["properties"]).length === 0) {
    // a free-form object (a record of unknown values): `{"type": "object"}` alone, which consumers
    // keep as JSON; an empty `properties` makes some (the Meltano SDK's flattening) drop every value
    delete current["properties"]
    if (current["additionalProperties"] === true && current["patternProperties"] === undefined) {
      delete current["additionalProperties"]
    }
  }
  return current
}

/** Rewrites a JSON Schema into Airbyte's form (see the module header). */
export const toAirbyte = (schema: JsonSchemaObject): JsonSchemaObject => {
  const defs = isJsonObject(schema["$defs"]) ? schema["$defs"] : {}
  return normalize(schema, defs) as JsonSchemaObject
}

/** The Airbyte-form JSON Schema of an `effect/Schema` (its encoded side). */
export const fromSchema = <A, I, R>(schema: Schema.Schema<A, I, R>): JsonSchemaObject =>
  toAirbyte(JSONSchema.make(schema) as unknown as JsonSchemaObject)

/**
 * `fromSchema` computed on first use and kept, for a stream's `jsonSchema` getter: commands that
 * never print or apply a record schema (`spec`, `check`, `--help`) never build one.
 */
export const lazyFromSchema = <A, I, R>(schema: Schema.Schema<A, I, R>): () => JsonSchemaObject => {
  let built: JsonSchemaObject | undefined
  return () => (built ??= fromSchema(schema))
}
