/**
 * Numbers written as text, read one way everywhere: APIs send counts and ids as digit strings,
 * and Meltano passes settings from the environment as strings. A numeric string is decimal
 * notation with an optional sign, fraction and exponent, surrounding blanks allowed (`"42"`,
 * `" -1.5 "`, `"2e3"`); an integer is one whose value is a safe integer (`"5.0"` is 5).
 */

/** Which numbers a value may be: any finite number, or a safe integer. */
export type NumericKind = "integer" | "number"

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/

/** The number `text` stands for, if it is a valid `kind`; else undefined. */
export const parseNumber = (text: string, kind: NumericKind = "number"): number | undefined => {
  if (!NUMERIC.test(text)) return undefined
  const number = Number(text)
  if (!Number.isFinite(number) || (kind === "integer" && !Number.isSafeInteger(number))) return undefined
  return number
}

/** The safe integer `text` stands for, or undefined. */
export const parseInteger = (text: string): number | undefined => parseNumber(text, "integer")
