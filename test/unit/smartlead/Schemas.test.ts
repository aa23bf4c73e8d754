/**
 * The schema guard: every stream's discovered schema and the spec's connectionSpecification
 * compile under strict draft-07 (ajv) and strict draft-04 (ajv-draft-04) compilers, and hold
 * nothing strict consumers refuse (see `schemaProblems`). It iterates the source's stream list, so
 * a new stream is covered without touching this file.
 */
import { describe, expect, it } from "vitest"
import { SmartLeadSource } from "../../../src/smartlead/Source.js"
import { makeAjv } from "../../helpers/Ajv.js"
import { asDraft04, recordProblem, schemaProblems } from "../../helpers/Schemas.js"

const schemas = [
  ["spec connectionSpecification", SmartLeadSource.spec.connectionSpecification] as const,
  ...SmartLeadSource.streams.map((stream) => [`stream ${stream.name}`, stream.jsonSchema] as const)
]

describe("schema guard", () => {
  const draft07 = makeAjv()
  const draft04 = makeAjv({ draft: "04" })

  for (const [name, schema] of schemas) {
    describe(name, () => {
      it("compiles with ajv in strict mode (draft-07)", () => {
        expect(() => draft07.compile(schema)).not.toThrow()
      })

      // record schemas reach Singer targets, which validate with draft-04; the spec is a draft-07
      // document (its `exclusiveMinimum: 0` is draft-07's form) read by Airbyte and Meltano only
      it.skipIf(name.startsWith("spec"))("compiles with ajv-draft-04 in strict mode", () => {
        expect(() => draft04.compile(asDraft04(schema))).not.toThrow()
      })

      it("types every property at every depth; no $ref, $id, anyOf or empty required; additionalProperties true", () => {
        expect(schemaProblems(schema)).toEqual([])
      })
    })
  }

  it("the spec is a draft-07 object schema with the source's settings, without the deprecated keys", () => {
    expect(SmartLeadSource.spec).not.toHaveProperty("supportsIncremental")
    expect(SmartLeadSource.spec).not.toHaveProperty("supported_destination_sync_modes")
    const properties = SmartLeadSource.spec.connectionSpecification["properties"] as Record<
      string,
      Record<string, unknown>
    >
    expect(properties["campaign_ids"]!["items"]).toEqual({ type: "integer", minimum: 1 })
    expect(properties["base_url"]!["description"]).toMatch(/Airbyte Cloud only reaches .*server\.smartlead\.ai/)
  })

  it("the spec's bounds are what the descriptions say: greater than 0 is exclusiveMinimum, from A to B is minimum and maximum", () => {
    const properties = SmartLeadSource.spec.connectionSpecification["properties"] as Record<
      string,
      Record<string, unknown>
    >
    const positive = Object.entries(properties).filter(([, p]) => /greater than 0/.test(String(p["description"])))
    expect(positive.map(([name]) => name).sort()).toEqual(["max_requests_per_second", "request_timeout_seconds"])
    for (const [, property] of positive) {
      expect(property["exclusiveMinimum"]).toBe(0)
      expect(property).not.toHaveProperty("minimum")
    }
    const ranges = Object.entries(properties).flatMap(([name, p]) => {
      const range = /[Ff]rom (\d+) to (\d+)/.exec(String(p["description"]))
      return range === null ? [] : [[name, Number(range[1]), Number(range[2]), p] as const]
    })
    expect(ranges.map(([name]) => name).sort()).toEqual(["max_retries", "statistics_lookback_days"])
    for (const [, min, max, property] of ranges) {
      expect([property["minimum"], property["maximum"]]).toEqual([min, max])
    }
    expect([properties["page_size"]!["minimum"], properties["page_size"]!["maximum"]]).toEqual([1, 100])
    expect(properties["lookback_window_seconds"]!["maximum"]).toBe(31_536_000)
    for (const name of ["reconcile_interval_hours", "retry_initial_delay_ms", "max_wait_seconds", "lead_category_id"]) {
      expect([name, properties[name]!["minimum"]]).toEqual([name, 0])
    }
    const draft07 = makeAjv().compile(SmartLeadSource.spec.connectionSpecification)
    expect(draft07({ api_key: "k", max_requests_per_second: 0 })).toBe(false)
    expect(draft07({ api_key: "k", max_requests_per_second: 0.25 })).toBe(true)
  })

  it("every setting keeps its title and description (Effect drops a refinement's annotations when it has no jsonSchema)", () => {
    const properties = SmartLeadSource.spec.connectionSpecification["properties"] as Record<
      string,
      Record<string, unknown>
    >
    const untitled = Object.entries(properties).filter(([, property]) =>
      typeof property["title"] !== "string" || typeof property["description"] !== "string"
    )
    expect(untitled.map(([name]) => name)).toEqual([])
  })
})

describe("schema problems are found (the guard can fail)", () => {
  it("reports Effect's unknown $id, untyped properties, empty required and closed objects", () => {
    const bad = {
      type: "object",
      required: [],
      properties: {
        a: { title: "unknown" },
        b: { type: "object", additionalProperties: { $id: "/schemas/unknown", title: "unknown" } },
        c: { type: "array", items: { type: "integer", title: "int" } },
        d: { anyOf: [{ type: "string" }, { type: "null" }] }
      },
      additionalProperties: false
    }
    expect(schemaProblems(bad)).toEqual([
      "#: empty required",
      "#: additionalProperties is false, not true",
      "#/properties/a: no type",
      "#/properties/a: leftover title \"unknown\"",
      "#/properties/b: additionalProperties is {\"$id\":\"/schemas/unknown\",\"title\":\"unknown\"}, not true",
      "#/properties/c/items: leftover title \"int\"",
      "#/properties/d: no type",
      "#/properties/d: has anyOf"
    ])
    expect(() => makeAjv({ draft: "04" }).compile({ type: "object", required: [] })).toThrow()
    expect(() =>
      makeAjv().compile({ type: "object", properties: { a: { $id: "/x" } }, additionalProperties: { $id: "/x" } })
    ).toThrow()
  })

  it("records are checked against their stream's schema with formats on", () => {
    expect(
      recordProblem("lead_categories", {
        id: 1,
        name: "x",
        sentiment_type: null,
        created_at: "2024-01-15T10:30:00.000Z"
      })
    ).toBeUndefined()
    expect(recordProblem("lead_categories", { id: 1, created_at: "yesterday" })).toMatch(
      /created_at must match format "date-time"/
    )
    expect(recordProblem("campaigns", { id: 1, user_id: "196026" })).toMatch(/user_id must be integer/)
  })
})
