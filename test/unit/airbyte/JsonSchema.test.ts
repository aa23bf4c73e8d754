/**
 * `JsonSchema.fromSchema`: Effect's JSON Schema rewritten into the form strict consumers accept.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { fromSchema, toAirbyte } from "../../../src/airbyte/JsonSchema.js"

describe("JsonSchema.fromSchema", () => {
  it("rewrites Schema.Unknown inside additionalProperties and items, and drops empty required", () => {
    const schema = fromSchema(Schema.Struct({
      bag: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
      list: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
      anything: Schema.optional(Schema.Unknown)
    }))
    expect(schema).toEqual({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      required: ["bag", "list"],
      properties: {
        bag: { type: ["object", "null"], properties: {}, additionalProperties: true },
        list: { type: "array", items: { type: "object", properties: {}, additionalProperties: true } },
        anything: {}
      },
      additionalProperties: true
    })
    expect(JSON.stringify(schema)).not.toMatch(/\$id|unknown|"required":\[\]/)
  })

  it("inlines $refs without the definition's title, merges nullable anyOf into type arrays", () => {
    expect(fromSchema(Schema.Struct({ id: Schema.Int, n: Schema.optional(Schema.NullOr(Schema.Int)) }))["properties"])
      .toEqual({
        id: { type: "integer" },
        n: { type: ["integer", "null"] }
      })
  })

  it("keeps an anyOf it cannot merge, and sets any additionalProperties to true", () => {
    expect(toAirbyte({ anyOf: [{ type: "string" }, { properties: {} }], additionalProperties: { type: "string" } }))
      .toEqual({
        anyOf: [{ type: "string" }, { properties: {} }],
        additionalProperties: true
      })
  })
})
