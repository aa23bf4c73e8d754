/**
 * `JsonSchema.fromSchema`: Effect's JSON Schema rewritten into the form strict consumers accept.
 */
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { fromSchema, toAirbyte } from "../../../src/airbyte/JsonSchema.js"

describe("JsonSchema.fromSchema", () => {
  it("rewrites Schema.Unknown inside additionalProperties and items; drops empty required and empty properties", () => {
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
        bag: { type: ["object", "null"] },
        list: { type: "array", items: { type: "object" } },
        anything: {}
      },
      additionalProperties: true
    })
    expect(JSON.stringify(schema)).not.toMatch(/\$id|unknown|"required":\[\]|"properties":\{\}/)
  })

  it("declares a free-form object as its type alone, and keeps declared nested properties", () => {
    const schema = fromSchema(Schema.Struct({
      free: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown }))),
      known: Schema.Struct({ a: Schema.optional(Schema.String) })
    }))
    expect(schema["properties"]).toEqual({
      free: { type: ["object", "null"] },
      known: { type: "object", properties: { a: { type: "string" } }, additionalProperties: true }
    })
  })

  it("inlines $refs without the definition's title, merges nullable anyOf into type arrays", () => {
    expect(fromSchema(Schema.Struct({ id: Schema.Int, n: Schema.optional(Schema.NullOr(Schema.Int)) }))["properties"])
      .toEqual({
        id: { type: "integer" },
        n: { type: ["integer", "null"] }
      })
  })

  it("keeps an anyOf it cannot merge, and sets any additionalProperties to true", () => {
    expect(toAirbyte({ anyOf: [{ type: "string" }, { minProperties: 1 }], additionalProperties: { type: "string" } }))
      .toEqual({
        anyOf: [{ type: "string" }, { minProperties: 1 }],
        additionalProperties: true
      })
  })
})
