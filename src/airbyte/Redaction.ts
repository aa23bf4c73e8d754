/**
 * Secret values that must never be printed, as a service with one registry per run. The CLI
 * registers every config value the spec marks `airbyte_secret` as soon as the config is read, and
 * a source may register more (an API key in the forms a URL carries it, say); LOG and ERROR trace
 * text pass through `scrub`, which replaces any registered value with `****`. Record data is not
 * scrubbed: it comes from the API, not from the config.
 */
import { Context, Effect, Layer } from "effect"

/** The registry of a run. */
export interface RedactionShape {
  /** Registers a value (values shorter than 4 characters are ignored: they would mangle ordinary text). */
  readonly register: (value: string) => Effect.Effect<void>
  /** Registers the values of every `airbyte_secret` property of a config object, in each of their `secretForms`. */
  readonly registerConfigSecrets: (specProperties: Record<string, unknown>, config: unknown) => Effect.Effect<void>
  /** The text with every registered secret replaced by `****`. */
  readonly scrub: (text: string) => string
}

/** The secrets of the run. */
export class Redaction extends Context.Tag("airbyte/Redaction")<Redaction, RedactionShape>() {}

/** A secret as it may appear in text: raw, and URL-encoded as a path segment or as a query value. */
export const secretForms = (value: string): ReadonlyArray<string> =>
  Array.from(new Set([value, encodeURIComponent(value), new URLSearchParams({ k: value }).toString().slice(2)]))

/** A fresh, empty registry. */
export const make = (): RedactionShape => {
  const secrets = new Set<string>()
  const add = (value: string) => {
    if (value.length >= 4) secrets.add(value)
  }
  return {
    register: (value) => Effect.sync(() => add(value)),
    registerConfigSecrets: (specProperties, config) =>
      Effect.sync(() => {
        if (typeof config !== "object" || config === null) return
        for (const [key, property] of Object.entries(specProperties)) {
          const value = (config as Record<string, unknown>)[key]
          if (typeof value === "string" && (property as { airbyte_secret?: unknown }).airbyte_secret === true) {
            for (const form of secretForms(value)) add(form)
          }
        }
      }),
    scrub: (text) => {
      let result = text
      for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join("****")
      return result
    }
  }
}

/** A registry for one run of a program. */
export const layer: Layer.Layer<Redaction> = Layer.sync(Redaction, make)
