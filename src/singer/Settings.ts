/**
 * Where a Singer tap's settings come from, as the Meltano SDK takes them: `--config` names a
 * JSON file or the word `ENV`, and may be given several times; the sources are merged in order,
 * a later one replacing an earlier one's top-level keys. `ENV` reads one environment variable per
 * setting of the spec, named after the tap and the setting (`TAP_SMARTLEAD_API_KEY`,
 * `TAP_SMARTLEAD_CAMPAIGN_IDS`): an array setting is a JSON array or a comma-separated list, a
 * boolean `true`/`false` (or `1`/`0`), anything else the string itself (numbers and dates are
 * then made their types by the runner's config conformance, as for Meltano's own strings).
 */
import { Effect } from "effect"
import { InputError, readJsonFile } from "../airbyte/Inputs.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import { isJsonObject } from "../airbyte/Protocol.js"

/** The `--config` value that means "from the environment". */
export const ENV = "ENV"

/** The environment variable prefix of a tap: `tap-smartlead` → `TAP_SMARTLEAD_`. */
export const prefixOf = (tapName: string): string => `${tapName.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_`

const typesOf = (schema: unknown): ReadonlyArray<unknown> =>
  !isJsonObject(schema) ? [] : Array.isArray(schema["type"]) ? schema["type"] : [schema["type"]]

const fromText = (schema: unknown, text: string): unknown => {
  const types = typesOf(schema)
  if (types.includes("array")) {
    const trimmed = text.trim()
    if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
      try {
        return JSON.parse(trimmed) as unknown
      } catch {
        return trimmed.slice(1, -1).split(",").map((item) => item.trim())
      }
    }
    return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim())
  }
  if (types.includes("boolean") && !types.includes("string")) {
    const lower = text.trim().toLowerCase()
    if (lower === "true" || lower === "1") return true
    if (lower === "false" || lower === "0") return false
  }
  return text
}

/** The settings found in `environment` for the spec's `properties`, under `prefix`. */
export const fromEnvironment = (
  properties: Readonly<Record<string, unknown>>,
  prefix: string,
  environment: Readonly<Record<string, string | undefined>>
): JsonObject => {
  const settings: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(properties)) {
    const value = environment[`${prefix}${name.toUpperCase().replace(/-/g, "_")}`]
    if (value !== undefined) settings[name] = fromText(schema, value)
  }
  return settings
}

/**
 * The merged settings of the `--config` values, in order (see the module header); a file that is
 * not a JSON object is named. One plain file is returned as read, for the decoder to judge.
 */
export const load = (
  paths: ReadonlyArray<string>,
  properties: Readonly<Record<string, unknown>>,
  prefix: string,
  environment: Readonly<Record<string, string | undefined>>
) =>
  Effect.gen(function*() {
    if (paths.length === 1 && paths[0] !== ENV) return yield* readJsonFile("config", paths[0]!)
    let merged: Record<string, unknown> = {}
    for (const path of paths) {
      if (path === ENV) {
        merged = { ...merged, ...fromEnvironment(properties, prefix, environment) }
        continue
      }
      const json = yield* readJsonFile("config", path)
      if (!isJsonObject(json)) {
        return yield* new InputError({ flag: "config", path, reason: "not a JSON object, so it cannot be merged" })
      }
      merged = { ...merged, ...json }
    }
    return merged
  })
