/**
 * The schema and record checks: a walker listing what strict consumers refuse, a schema as a
 * draft-04 document, and the one record check, which every end-to-end run applies: each RECORD
 * valid against its stream's discovered schema (strict draft-07 ajv from `Ajv.ts`, formats on).
 */
import type { JsonSchemaObject } from "../../src/airbyte/JsonSchema.js"
import { SmartLeadSource } from "../../src/smartlead/Source.js"
import { makeAjv } from "./Ajv.js"

/** A schema without its `$schema`, to be compiled as a draft-04 document. */
export const asDraft04 = (schema: JsonSchemaObject): JsonSchemaObject => {
  const { $schema: _schema, ...rest } = schema
  return rest
}

const FORBIDDEN = ["$ref", "$id", "$defs", "definitions", "anyOf", "oneOf", "allOf", "not"] as const

/**
 * What strict consumers refuse in a schema, one line per problem with its path: a property (at any
 * depth, array items included) without `type`, a `$ref`/`$id`/`$defs`/`anyOf`/`oneOf`/`allOf`,
 * an empty `required`, an `additionalProperties` other than `true`, or one of Effect's default
 * titles (lower-case, such as "int") left over.
 */
export const schemaProblems = (schema: unknown, path = "#", isProperty = false): Array<string> => {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return [`${path}: not a schema object`]
  const node = schema as JsonSchemaObject
  const problems: Array<string> = []
  if (isProperty && node["type"] === undefined) problems.push(`${path}: no type`)
  for (const keyword of FORBIDDEN) if (keyword in node) problems.push(`${path}: has ${keyword}`)
  if (Array.isArray(node["required"]) && node["required"].length === 0) problems.push(`${path}: empty required`)
  if ("additionalProperties" in node && node["additionalProperties"] !== true) {
    problems.push(`${path}: additionalProperties is ${JSON.stringify(node["additionalProperties"])}, not true`)
  }
  if (typeof node["title"] === "string" && /^[a-z]/.test(node["title"])) {
    problems.push(`${path}: leftover title ${JSON.stringify(node["title"])}`)
  }
  const properties = node["properties"]
  if (typeof properties === "object" && properties !== null) {
    for (const [name, property] of Object.entries(properties)) {
      problems.push(...schemaProblems(property, `${path}/properties/${name}`, true))
    }
  }
  if (node["items"] !== undefined) problems.push(...schemaProblems(node["items"], `${path}/items`, true))
  return problems
}

let recordValidators: Map<string, ReturnType<ReturnType<typeof makeAjv>["compile"]>> | undefined

/** Why a record does not fit its stream's discovered schema (formats on), or undefined when it does. */
export const recordProblem = (stream: string, data: unknown): string | undefined => {
  if (recordValidators === undefined) {
    const ajv = makeAjv()
    recordValidators = new Map(
      SmartLeadSource.streams.map((candidate) => [candidate.name, ajv.compile(candidate.jsonSchema)])
    )
  }
  const validate = recordValidators.get(stream)
  if (validate === undefined) return `no stream ${JSON.stringify(stream)} in the source`
  return validate(data)
    ? undefined
    : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}`).join("; ")
}

/** Throws unless every RECORD message's data fits its stream's discovered schema. */
export const assertRecordsFitSchemas = (
  messages: ReadonlyArray<{ readonly type: string; readonly [key: string]: unknown }>
): void => {
  for (const message of messages) {
    if (message.type !== "RECORD") continue
    const record = message["record"] as { stream: string; data: unknown }
    const problem = recordProblem(record.stream, record.data)
    if (problem !== undefined) {
      throw new Error(
        `a ${record.stream} record does not fit the stream's schema (${problem}): ${
          JSON.stringify(record.data).slice(0, 300)
        }`
      )
    }
  }
}
