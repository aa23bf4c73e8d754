/**
 * How instants are read (zone-less is UTC, offsets honoured, impossible or non-ISO dates never
 * an instant) and written (ISO 8601 UTC with milliseconds), the fast canonical reader agreeing
 * with the general one.
 */
import { afterEach, describe, expect, it } from "vitest"
import * as Instant from "../../../src/airbyte/Instant.js"

describe("parse", () => {
  const originalTz = process.env["TZ"]
  afterEach(() => {
    if (originalTz === undefined) delete process.env["TZ"]
    else process.env["TZ"] = originalTz
  })

  it("reads ISO 8601 UTC with and without milliseconds", () => {
    expect(Instant.parse("2025-01-01T12:00:00.000Z")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("2025-01-01T12:00:00Z")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("2025-01-01T12:00:00z")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("2025-01-01T12:00Z")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("  2025-01-01T12:00:00Z ")).toBe(Date.UTC(2025, 0, 1, 12))
  })

  it("keeps milliseconds and truncates finer fractions", () => {
    expect(Instant.parse("2025-01-01T12:00:00.5Z")).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 500))
    expect(Instant.parse("2025-01-01T12:00:00.123456789Z")).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 123))
  })

  it("reads a time without a zone as UTC, whatever the process's time zone", () => {
    process.env["TZ"] = "America/Los_Angeles"
    // ...but not for cursors
    expect(Instant.parse("2025-01-01 12:00:00")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("2025-01-01T12:00:00")).toBe(Date.UTC(2025, 0, 1, 12))
    expect(Instant.parse("2025-01-01T12:00:00.250")).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 250))
    expect(Instant.parse("2025-01-01")).toBe(Date.UTC(2025, 0, 1))
  })

  it("applies zone offsets in every ISO form", () => {
    const noon = Date.UTC(2025, 0, 1, 12)
    expect(Instant.parse("2025-01-01T14:00:00+02:00")).toBe(noon)
    expect(Instant.parse("2025-01-01T14:00:00+0200")).toBe(noon)
    expect(Instant.parse("2025-01-01T14:00:00+02")).toBe(noon)
    expect(Instant.parse("2025-01-01T06:30:00-05:30")).toBe(noon)
    expect(Instant.parse("2025-01-01 12:00:00 +00:00")).toBe(noon)
    // across a day boundary
    expect(Instant.parse("2024-12-31T23:00:00-13:00")).toBe(noon)
  })

  it("accepts February 29 in a leap year only", () => {
    expect(Instant.parse("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29))
    expect(Instant.parse("2025-02-29T00:00:00Z")).toBeUndefined()
  })

  it("reads the canonical form (the fast path) exactly as the general form", () => {
    // A leading space sends the same text through the general reader.
    const pad = (n: number, width: number) => String(n).padStart(width, "0")
    const years = [100, 1899, 1900, 1970, 2000, 2023, 2024, 2100, 2400, 9999]
    const samples: Array<string> = ["2024-02-29T23:59:59.999Z", "2100-02-29T00:00:00.000Z", "0099-01-01T00:00:00.000Z"]
    for (const year of years) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          samples.push(
            `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad((day * 7) % 25, 2)}:${pad((month * 13) % 61, 2)}:${
              pad((year + day) % 61, 2)
            }.${pad((year * month) % 1000, 3)}Z`
          )
        }
      }
    }
    for (const value of samples) {
      expect([value, Instant.parse(value)]).toEqual([value, Instant.parse(` ${value}`)])
    }
    expect(Instant.parseCanonical("2024-02-29T23:59:59.999Z")).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999))
    expect(Instant.parseCanonical("2025-02-29T00:00:00.000Z")).toBeUndefined()
  })

  it("never reads text that is not an ISO 8601 date-time, nor an impossible date", () => {
    for (
      const value of [
        "01/02/2025",
        "2025/01/02",
        "02-01-2025",
        "yesterday",
        "",
        "2025-02-30T00:00:00Z",
        "2025-04-31",
        "2025-13-01T00:00:00Z",
        "2025-00-10T00:00:00Z",
        "2025-01-00T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "2025-01-01T12:60:00Z",
        "2025-01-01T12:00:60Z",
        "2025-01-01T12:00:00ZZ",
        "2025-01-01T12:00:00 PST",
        "1735689600"
      ]
    ) {
      expect(Instant.parse(value), JSON.stringify(value)).toBeUndefined()
    }
    for (const value of [1735689600000, null, undefined, true, {}, ["2025-01-01T00:00:00Z"]]) {
      expect(Instant.parse(value), JSON.stringify(value)).toBeUndefined()
    }
  })
})

describe("years before 100", () => {
  it("are read as written, not as 19xx", () => {
    const expected = new Date(Date.UTC(2000, 0, 1, 12))
    expected.setUTCFullYear(50)
    expect(Instant.parse("0050-01-01 12:00:00")).toBe(expected.getTime())
    expect(Instant.format(Instant.parse("0050-01-01T12:00:00.000Z")!)).toBe("0050-01-01T12:00:00.000Z")
  })
})

describe("format and normalize", () => {
  it("write ISO 8601 UTC with milliseconds, whatever form was read", () => {
    expect(Instant.format(Date.UTC(2025, 0, 1, 12))).toBe("2025-01-01T12:00:00.000Z")
    expect(Instant.normalize("2025-01-01 12:00:00")).toBe("2025-01-01T12:00:00.000Z")
    expect(Instant.normalize("2025-01-01T14:00:00+02:00")).toBe("2025-01-01T12:00:00.000Z")
    expect(Instant.normalize("2025-01-01T12:00:00.5Z")).toBe("2025-01-01T12:00:00.500Z")
    expect(Instant.normalize("2025-01-01")).toBe("2025-01-01T00:00:00.000Z")
    expect(Instant.normalize("01/02/2025")).toBeUndefined()
  })
})
