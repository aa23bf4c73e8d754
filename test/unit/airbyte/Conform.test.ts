/**
 * `Conform`: records made to fit their stream's schema (declared fields present and first, in
 * schema order; numeric strings made numbers; one WARN per stream for what could not be), and
 * config values as Meltano passes them.
 */
import { Effect, Either, Logger, LogLevel, Schema, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as Conform from "../../../src/airbyte/Conform.js"
import { decodeConfig } from "../../../src/airbyte/Inputs.js"
import { fromSchema } from "../../../src/airbyte/JsonSchema.js"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"
import type { StreamEvent } from "../../../src/airbyte/Source.js"
import { checkpoint, records } from "../../../src/airbyte/Source.js"
import { Config, spec } from "../../../src/smartlead/Config.js"
import { CampaignRecord } from "../../../src/smartlead/Models.js"
import { recordProblem } from "../../helpers/Schemas.js"

const schema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    name: { type: ["string", "null"] },
    rate: { type: ["number", "null"] },
    count: { type: ["integer", "null"] },
    code: { type: ["string", "integer"] }
  }
}

const conformed = (...batch: Array<JsonObject>) => {
  const conformer = Conform.forRecords(schema)
  const array = [...batch]
  conformer.conform(array)
  return { array, uncoercible: conformer.uncoercible() }
}

describe("Conform.forRecords", () => {
  it("puts every declared field first, in schema order, null when missing, then the undeclared ones in their order", () => {
    const { array } = conformed({ extra: 1, name: "a", id: 7, other: [2] })
    expect(array).toEqual([{ id: 7, name: "a", rate: null, count: null, code: null, extra: 1, other: [2] }])
    expect(Object.keys(array[0]!)).toEqual(["id", "name", "rate", "count", "code", "extra", "other"])
  })

  it("makes numeric strings numbers where the field is integer or number, and leaves other fields alone", () => {
    const { array, uncoercible } = conformed({ id: "42", name: "17", rate: "0.25", count: " 3 ", code: "9" }, {
      id: -5,
      rate: "1e3",
      count: "7.0"
    })
    expect(array).toEqual([
      { id: 42, name: "17", rate: 0.25, count: 3, code: "9" },
      { id: -5, name: null, rate: 1000, count: 7, code: null }
    ])
    expect(uncoercible).toEqual([])
  })

  it("keeps a value it cannot make its declared type as sent, and counts it per field", () => {
    const { array, uncoercible } = conformed(
      { id: "x1", rate: "fast", count: 1.5 },
      { id: true, rate: "", count: "99999999999999999999" },
      { id: 1, rate: null, count: null }
    )
    expect(array.map((record) => [record["id"], record["rate"], record["count"]])).toEqual([["x1", "fast", 1.5], [
      true,
      "",
      "99999999999999999999"
    ], [1, null, null]])
    expect(uncoercible).toEqual([["id", 2], ["rate", 2], ["count", 2]])
    expect(Conform.warning("s", uncoercible)).toBe(
      "Stream \"s\": 6 values not of the declared type passed through as sent: id (2), rate (2), count (2)"
    )
  })

  it("replaces the records in the same array, and keeps a __proto__ field an own field", () => {
    const batch: Array<JsonObject> = [JSON.parse("{\"__proto__\":{\"polluted\":true},\"id\":1}")]
    const before = batch
    Conform.forRecords(schema).conform(batch)
    expect(batch).toBe(before)
    expect(Object.getPrototypeOf(batch[0])).toBe(Object.prototype)
    expect(Object.keys(batch[0]!)).toEqual(["id", "name", "rate", "count", "code", "__proto__"])
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("makes a campaign with the API's numeric strings fit the campaigns schema", () => {
    const campaigns = fromSchema(CampaignRecord)
    const batch: Array<JsonObject> = [{
      id: 2710262,
      user_id: "196026",
      client_id: "4242",
      parent_campaign_id: "12",
      max_leads_per_day: "100",
      name: "Q1"
    }]
    expect(recordProblem("campaigns", batch[0])).toMatch(/must be integer/)
    Conform.forRecords(campaigns).conform(batch)
    expect(batch[0]).toMatchObject({
      user_id: 196026,
      client_id: 4242,
      parent_campaign_id: 12,
      max_leads_per_day: 100,
      tags: null
    })
    expect(recordProblem("campaigns", batch[0])).toBeUndefined()
  })
})

describe("Conform.records", () => {
  it("conforms every batch of a stream and logs one WARN at its end naming the fields", async () => {
    const logs: Array<{ level: string; message: unknown }> = []
    const logger = Logger.make(({ logLevel, message }) => void logs.push({ level: logLevel.label, message }))
    const events: Array<StreamEvent> = [
      records([{ id: "1", count: "x" }]),
      checkpoint({}),
      records([{ id: 2, count: "y" }, { id: "z" }])
    ]
    const out = await Effect.runPromise(
      Stream.fromIterable(events).pipe(
        Conform.records("things", schema),
        Stream.runCollect,
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    )
    const written = Array.from(out).flatMap((event) => (event._tag === "Records" ? event.records : []))
    expect(written).toEqual([
      { id: 1, name: null, rate: null, count: "x", code: null },
      { id: 2, name: null, rate: null, count: "y", code: null },
      { id: "z", name: null, rate: null, count: null, code: null }
    ])
    expect(logs).toEqual([{
      level: "WARN",
      message: ["Stream \"things\": 3 values not of the declared type passed through as sent: id (1), count (2)"]
    }])
  })

  it("logs one WARN per undeclared field, once for the whole stream, and none for a field left undefined", async () => {
    const logs: Array<{ level: string; message: unknown }> = []
    const logger = Logger.make(({ logLevel, message }) => void logs.push({ level: logLevel.label, message }))
    const batches: Array<StreamEvent> = [
      records([{ id: 1, extra: "a" }, { id: 2, extra: "b", other: 3 }]),
      records([{ id: 3, extra: "c", dropped: undefined }])
    ]
    const out = await Effect.runPromise(
      Stream.fromIterable(batches).pipe(
        Conform.records("things", schema),
        Stream.runCollect,
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    )
    const written = Array.from(out).flatMap((event) => (event._tag === "Records" ? event.records : []))
    expect(written.map((record) => [record["extra"], record["other"] ?? null])).toEqual([["a", null], ["b", 3], [
      "c",
      null
    ]])
    expect(logs).toEqual([
      { level: "WARN", message: [Conform.undeclaredWarning("things", "extra")] },
      { level: "WARN", message: [Conform.undeclaredWarning("things", "other")] }
    ])
    expect(Conform.undeclaredWarning("things", "extra")).toBe(
      "Stream \"things\": records carry the field \"extra\", which the stream's schema does not declare; it is passed through as sent, but consumers that keep only declared fields drop it"
    )
  })

  it("logs nothing when every value fits", async () => {
    const logs: Array<unknown> = []
    const logger = Logger.make(({ message }) => void logs.push(message))
    await Effect.runPromise(
      Stream.make(records([{ id: "1" }])).pipe(
        Conform.records("things", schema),
        Stream.runDrain,
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
    )
    expect(logs).toEqual([])
  })
})

describe("config values as Meltano passes them", () => {
  const decode = (input: unknown) =>
    Effect.runSync(Effect.either(decodeConfig(Config, spec.connectionSpecification, input)))

  it("Conform.config makes numeric strings numbers and a date alone midnight UTC, where the spec says so", () => {
    expect(Conform.config(spec.connectionSpecification, {
      api_key: "123",
      max_requests_per_second: "0.5",
      page_size: "50",
      campaign_ids: ["1", 2],
      start_date: "2025-01-01",
      last_sent_after: "2025-02-03T04:05:06Z",
      lead_status: "1",
      unknown: "7"
    })).toEqual({
      api_key: "123",
      max_requests_per_second: 0.5,
      page_size: 50,
      campaign_ids: [1, 2],
      start_date: "2025-01-01T00:00:00Z",
      last_sent_after: "2025-02-03T04:05:06Z",
      lead_status: "1",
      unknown: "7"
    })
  })

  it("a config with strings for numbers and date-only dates decodes (Airbyte and Singer alike)", () => {
    const result = decode({
      api_key: "k",
      max_requests_per_second: "50",
      request_timeout_seconds: "2.5",
      max_retries: "3",
      start_date: "2025-01-01",
      event_after: "2025-03-04"
    })
    expect(Either.isRight(result)).toBe(true)
    const { config } = Either.getOrThrow(result)
    expect(config).toMatchObject({
      max_requests_per_second: 50,
      request_timeout_seconds: 2.5,
      max_retries: 3,
      start_date: "2025-01-01T00:00:00Z",
      event_after: "2025-03-04T00:00:00Z"
    })
    expect(Date.parse(config.start_date!)).toBe(Date.UTC(2025, 0, 1))
  })

  it("a string that is not a number still fails, naming the field", () => {
    const result = decode({ api_key: "k", page_size: "ten", max_retries: "2.5", start_date: "2025-13-01" })
    expect(Either.isLeft(result)).toBe(true)
    const problems = Either.isLeft(result) ? (result.left as { problems: ReadonlyArray<string> }).problems : []
    expect(problems.join("\n")).toMatch(/page_size: .*"ten"/)
    expect(problems.join("\n")).toMatch(/max_retries: must be an integer from 0 to 20 \(got 2\.5\)/)
    expect(problems.join("\n")).toMatch(/start_date: must be an ISO 8601 date-time/)
  })

  it("the spec still says number and date-time, and its date-time pattern accepts a date alone", () => {
    const properties = spec.connectionSpecification["properties"] as Record<string, Record<string, unknown>>
    expect(properties["max_requests_per_second"]!["type"]).toBe("number")
    expect(properties["page_size"]!["type"]).toBe("integer")
    expect(properties["start_date"]!["format"]).toBe("date-time")
    const pattern = new RegExp(properties["start_date"]!["pattern"] as string)
    for (const value of ["2025-01-01", "2025-01-01T00:00:00Z", "2025-01-01T10:20:30.123+02:00"]) {
      expect(pattern.test(value), value).toBe(true)
    }
    for (const value of ["2025-01", "2025-01-01T10", "01/01/2025"]) expect(pattern.test(value), value).toBe(false)
    expect(Schema.decodeUnknownSync(Config)({ api_key: "k", start_date: "2025-01-01" }).start_date).toBe("2025-01-01")
  })
})
