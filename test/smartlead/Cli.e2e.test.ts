/**
 * The SmartLead connector's command-line surface: its spec (spec.json, Airbyte's acceptance
 * rules, each field), the config errors it names field by field, and its catalog (seven streams,
 * keys, cursors, schemas; catalog.json).
 */
import { readFileSync } from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { ofType, runConnector, tempFiles } from "../helpers/Connector.js"
import { STREAM_NAMES } from "../helpers/Reads.js"

const files = tempFiles()
afterAll(() => files.cleanup())

const walk = (node: unknown, visit: (key: string, value: unknown) => void): void => {
  if (Array.isArray(node)) node.forEach((item) => walk(item, visit))
  else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      visit(key, value)
      walk(value, visit)
    }
  }
}

describe("spec", () => {
  it("prints exactly one valid SPEC, equal to spec.json, with an empty stderr", async () => {
    const result = await runConnector(["spec"])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.messages).toHaveLength(1)
    expect(result.messages[0]!.type).toBe("SPEC")
    const onDisk = JSON.parse(readFileSync(new URL("../../spec.json", import.meta.url), "utf8"))
    expect(result.messages[0]!["spec"]).toEqual(onDisk)
  })

  it("is clean under Airbyte's acceptance rules", async () => {
    const { messages } = await runConnector(["spec"])
    const schema = messages[0]!["spec"].connectionSpecification
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
    const forbidden: Array<string> = []
    walk(schema, (key, value) => {
      if (["$ref", "anyOf", "allOf", "oneOf", "not", "patternProperties", "$defs", "definitions"].includes(key)) {
        forbidden.push(key)
      }
      if (key === "additionalProperties" && value === false) forbidden.push("additionalProperties:false")
    })
    expect(forbidden).toEqual([])
    expect(schema.additionalProperties).toBe(true)
    expect(schema.required).toEqual(["api_key"])
    expect(Object.keys(schema.properties)).toEqual([
      "api_key",
      "base_url",
      "campaign_ids",
      "start_date",
      "lead_status",
      "lead_category_id",
      "email_status",
      "last_sent_after",
      "event_after",
      "page_size",
      "lookback_window_seconds",
      "reconcile_interval_hours",
      "activity_sweep",
      "statistics_lookback_days",
      "statistics_lookback_interval_hours",
      "inactive_campaign_interval_hours",
      "sequences_interval_hours",
      "statistics_include_email_body",
      "max_requests_per_second",
      "max_retries",
      "retry_initial_delay_ms",
      "request_timeout_seconds",
      "checkpoint_interval_seconds",
      "max_wait_seconds"
    ])
    const properties = Object.values(schema.properties) as Array<Record<string, unknown>>
    properties.forEach((property, index) => {
      expect(property["order"]).toBe(index)
      expect(typeof property["title"]).toBe("string")
      expect(typeof property["description"]).toBe("string")
    })
    expect(schema.properties.api_key.airbyte_secret).toBe(true)
    expect(schema.properties.base_url.default).toBe("https://server.smartlead.ai/api/v1")
    expect(schema.properties.page_size).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 100 })
    expect(schema.properties.campaign_ids.items.type).toBe("integer")
    expect(schema.properties.reconcile_interval_hours).toMatchObject({ type: "integer", minimum: 0, default: 168 })
    expect(schema.properties.activity_sweep).toMatchObject({ type: "boolean", default: true })
    expect(schema.properties.statistics_lookback_days).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 90,
      default: 14
    })
    expect(schema.properties.statistics_include_email_body).toMatchObject({ type: "boolean", default: false })
    expect(schema.properties.max_wait_seconds).toMatchObject({ type: "integer", minimum: 0, default: 900 })
    expect(schema.properties.lead_status.enum).toEqual(["STARTED", "INPROGRESS", "COMPLETED", "PAUSED", "STOPPED"])
    expect(schema.properties.email_status.enum).toContain("is_sender_bounced")
    for (const key of ["start_date", "last_sent_after", "event_after"]) {
      const property = schema.properties[key]
      expect(property.format).toBe("date-time")
      const pattern = new RegExp(property.pattern)
      expect(pattern.test("2025-03-01T00:00:00Z")).toBe(true)
      expect(pattern.test("2025-11-25T12:54:54.000Z")).toBe(true)
      expect(pattern.test("2025-03-01T00:00:00+02:00")).toBe(true)
      expect(pattern.test("yesterday")).toBe(false)
    }
  })
})

describe("config errors", () => {
  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ["no api_key", {}, /api_key/],
    [
      "page_size over 100",
      { api_key: "k-123456", page_size: 500 },
      /page_size: must be an integer from 1 to 100 \(got 500\)/
    ],
    ["page_size fractional", { api_key: "k-123456", page_size: 2.5 }, /page_size: must be an integer/],
    // numeric strings are accepted (Meltano passes env settings as strings); a non-numeric one is not
    ["a non-numeric string for max_retries", { api_key: "k-123456", max_retries: "five" }, /max_retries/],
    ["base_url not a URL", { api_key: "k-123456", base_url: "not a url" }, /base_url: must be an http\(s\) URL/],
    [
      "start_date not a date",
      { api_key: "k-123456", start_date: "last tuesday" },
      /start_date: must be an ISO 8601 date-time/
    ],
    [
      "a non-positive rate",
      { api_key: "k-123456", max_requests_per_second: 0 },
      /max_requests_per_second: must be a number > 0/
    ],
    ["an unknown lead_status", { api_key: "k-123456", lead_status: "DONE" }, /lead_status/],
    ["a campaign id that is not an integer", { api_key: "k-123456", campaign_ids: [12, "x"] }, /campaign_ids\[1\]/]
  ]
  for (const [what, config, pattern] of invalid) {
    it(`check answers FAILED naming the field for ${what}`, async () => {
      const result = await runConnector(["check", "--config", files.write(config)])
      expect(result.code).toBe(0)
      const [status] = ofType(result.messages, "CONNECTION_STATUS")
      expect(status!["connectionStatus"].status).toBe("FAILED")
      expect(status!["connectionStatus"].message).toMatch(pattern)
    })
  }
})

describe("discover", () => {
  it("prints the seven streams with Airbyte-clean schemas, keys and sync modes; catalog.json matches", async () => {
    const result = await runConnector(["discover", "--config", files.write({ api_key: "k-123456" })])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    const [message] = ofType(result.messages, "CATALOG")
    const streams = message!["catalog"].streams as Array<Record<string, any>>
    expect(streams.map((s) => s["name"])).toEqual([...STREAM_NAMES])
    const leads = streams[0]!
    expect(leads["supported_sync_modes"]).toEqual(["full_refresh", "incremental"])
    expect(leads["source_defined_cursor"]).toBe(true)
    expect(leads["default_cursor_field"]).toEqual(["created_at"])
    expect(leads["source_defined_primary_key"]).toEqual([["campaign_id"], ["id"]])
    expect(streams[1]!["supported_sync_modes"]).toEqual(["full_refresh"])
    expect(streams[1]!["source_defined_primary_key"]).toEqual([["id"]])
    const statistics = streams[3]!
    expect(statistics["supported_sync_modes"]).toEqual(["full_refresh", "incremental"])
    expect(statistics["source_defined_cursor"]).toBe(true)
    expect(statistics["default_cursor_field"]).toEqual(["sent_time"])
    expect(statistics["source_defined_primary_key"]).toEqual([["campaign_id"], ["stats_id"]])
    // campaign_analytics and campaign_sequences: snapshots, incremental on the sync that fetched them
    for (const stream of streams.slice(4, 6)) {
      expect(stream["supported_sync_modes"], stream["name"]).toEqual(["full_refresh", "incremental"])
      expect(stream["default_cursor_field"], stream["name"]).toEqual(["fetched_at"])
    }
    expect(streams[6]!["supported_sync_modes"]).toEqual(["full_refresh"])
    expect(streams.slice(4).map((s) => s["source_defined_primary_key"])).toEqual([[["campaign_id"]], [["campaign_id"], [
      "id"
    ]], [["id"]]])
    for (const stream of streams) {
      const schema = stream["json_schema"]
      expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
      const forbidden: Array<string> = []
      walk(schema, (key) => {
        if (["$ref", "anyOf", "allOf", "oneOf", "$defs"].includes(key)) forbidden.push(key)
      })
      expect(forbidden).toEqual([])
      expect(schema.additionalProperties).toBe(true)
      for (const [key] of stream["source_defined_primary_key"]) {
        const type = [schema.properties[key].type].flat()
        expect(type).not.toContain("object")
        expect(type).not.toContain("array")
      }
    }
    expect(leads["json_schema"].properties.created_at.type).toEqual(["string", "null"])
    const catalog = JSON.parse(readFileSync(new URL("../../catalog.json", import.meta.url), "utf8"))
    expect(catalog.streams.map((s: any) => s.stream)).toEqual(streams)
    expect(catalog.streams.map((s: any) => s.sync_mode)).toEqual([
      "incremental",
      "full_refresh",
      "full_refresh",
      "incremental",
      "incremental",
      "incremental",
      "full_refresh"
    ])
  })
})
