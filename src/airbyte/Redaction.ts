/**
 * Secret values that must never be printed. The CLI registers every config value the spec marks
 * `airbyte_secret` as soon as the config is read; LOG and ERROR trace text pass through `scrub`,
 * which replaces any registered value with `****`. Record data is not scrubbed: it comes from the
 * API, not from the config.
 */
const secrets = new Set<string>()

/** Registers a value to be scrubbed from log and error text (values shorter than 4 characters are ignored). */
export const registerSecret = (value: string): void => {
  if (value.length >= 4) secrets.add(value)
}

/** A secret as it may appear in text: raw, and URL-encoded as a path segment or as a query value. */
export const secretForms = (value: string): ReadonlyArray<string> =>
  Array.from(new Set([value, encodeURIComponent(value), new URLSearchParams({ k: value }).toString().slice(2)]))

/** Registers the values of every `airbyte_secret` property of a config object. */
export const registerConfigSecrets = (specProperties: Record<string, unknown>, config: unknown): void => {
  if (typeof config !== "object" || config === null) return
  for (const [key, property] of Object.entries(specProperties)) {
    const value = (config as Record<string, unknown>)[key]
    if (typeof value === "string" && (property as { airbyte_secret?: unknown }).airbyte_secret === true) {
      for (const form of secretForms(value)) registerSecret(form)
    }
  }
}

/** The text with every registered secret replaced by `****`. */
export const scrub = (text: string): string => {
  let result = text
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join("****")
  return result
}
