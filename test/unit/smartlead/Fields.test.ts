/**
 * Typed record fields: how `coerceFields` reads the numbers and timestamps SmartLead sends (with
 * the runner's one number and one instant reader) and names what it cannot read.
 */
import { describe, expect, it } from "vitest"
import { coerceFields } from "../../../src/smartlead/models/Fields.js"

const KINDS = { count: "int", rate: "number", at: "datetime" } as const

describe("coerceFields", () => {
  it("makes digit strings numbers and gives a zone-less timestamp a T and Z", () => {
    const record: Record<string, unknown> = { count: "42", rate: "0.5", at: "2025-01-03 10:00:00" }
    expect(coerceFields(record, KINDS)).toBeUndefined()
    expect(record).toEqual({ count: 42, rate: 0.5, at: "2025-01-03T10:00:00Z" })
  })

  it("keeps a canonical timestamp and an offset as sent", () => {
    const record: Record<string, unknown> = { at: "2025-01-03T10:00:00.000Z" }
    expect(coerceFields(record, KINDS)).toBeUndefined()
    expect(record["at"]).toBe("2025-01-03T10:00:00.000Z")
    const offset: Record<string, unknown> = { at: "2025-01-03T10:00:00+02:00" }
    expect(coerceFields(offset, KINDS)).toBeUndefined()
    expect(offset["at"]).toBe("2025-01-03T10:00:00+02:00")
  })

  it("names an impossible date, which Date.parse would roll into March", () => {
    expect(coerceFields({ at: "2025-02-30T00:00:00Z" }, KINDS)).toBe("at must be an ISO 8601 date-time, got a string")
    expect(coerceFields({ at: "2025-02-30 00:00:00" }, KINDS)).toBe("at must be an ISO 8601 date-time, got a string")
  })

  it("names text that is not a whole number, and an unsafe one", () => {
    expect(coerceFields({ count: "1.5" }, KINDS)).toBe("count must be a whole number, got a string")
    expect(coerceFields({ count: "12abc" }, KINDS)).toBe("count must be a whole number, got a string")
    expect(coerceFields({ count: "9007199254740993" }, KINDS)).toBe("count must be a whole number, got a string")
  })
})
