/** Numbers written as text: what `parseNumber` and `parseInteger` read, and what they refuse. */
import { describe, expect, it } from "vitest"
import { parseInteger, parseNumber } from "../../../src/airbyte/Numbers.js"

describe("parseNumber", () => {
  it("reads decimal notation with a sign, fraction, exponent and surrounding blanks", () => {
    expect(parseNumber("42")).toBe(42)
    expect(parseNumber(" -1.5 ")).toBe(-1.5)
    expect(parseNumber("+.5")).toBe(0.5)
    expect(parseNumber("2e3")).toBe(2000)
  })

  it("refuses what is not a number", () => {
    for (const text of ["", " ", "abc", "1,5", "0x10", "Infinity", "NaN", "1e999", "12abc"]) {
      expect(parseNumber(text), text).toBeUndefined()
    }
  })
})

describe("parseInteger", () => {
  it("reads safe integers only", () => {
    expect(parseInteger("-7")).toBe(-7)
    expect(parseInteger("5.0")).toBe(5)
    expect(parseInteger("1.5")).toBeUndefined()
    expect(parseInteger("9007199254740993")).toBeUndefined()
  })
})
