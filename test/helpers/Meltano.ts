/**
 * What Meltano and the stock Singer targets expect of a tap, written down for the tests: the
 * Meltano SDK's about-info layout (`--about --format json`, singer_sdk/about.py) as a JSON
 * Schema; Meltano's `select` rules applied to a discovered catalog; and a minimal target that
 * follows the Singer spec as target-csv and target-jsonl do (validates RECORDs against their
 * SCHEMA with a draft-04 validator, forgets the state it holds when a RECORD arrives, and at the
 * end emits the last STATE it saw).
 */
import type { ValidateFunction } from "ajv"
import { makeAjv } from "./Ajv.js"
import { asDraft04 } from "./Schemas.js"

type Any = any

/** The SDK's about-info layout, as a JSON Schema. */
export const SDK_ABOUT_LAYOUT = {
  type: "object",
  required: ["name", "description", "version", "capabilities", "settings"],
  properties: {
    name: { type: "string", minLength: 1 },
    description: { type: "string", minLength: 1 },
    version: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+" },
    capabilities: {
      type: "array",
      items: {
        enum: [
          "about",
          "activate-version",
          "batch",
          "catalog",
          "discover",
          "log-based",
          "properties",
          "schema-flattening",
          "state",
          "stream-maps",
          "test"
        ]
      }
    },
    settings: {
      type: "object",
      required: ["type", "properties"],
      properties: {
        type: { const: "object" },
        properties: {
          type: "object",
          additionalProperties: { type: "object", required: ["type"], properties: { type: {} } }
        },
        required: { type: "array", items: { type: "string" } }
      }
    }
  }
}

/** What Meltano Hub's parser (hub_utils) makes of the settings: one setting per property, its kind from `type`. */
export const hubSettings = (about: Any): Array<{ name: string; kind: string; required: boolean }> =>
  Object.entries(about.settings.properties as Record<string, Any>).map(([name, property]) => ({
    name,
    kind: Array.isArray(property.type) ? property.type.filter((t: string) => t !== "null")[0] : property.type,
    required: (about.settings.required ?? []).includes(name)
  }))

const metadataOf = (stream: Any, breadcrumb: ReadonlyArray<string>) =>
  stream.metadata.find((m: Any) => JSON.stringify(m.breadcrumb) === JSON.stringify(breadcrumb)).metadata

/**
 * A discovered catalog with Meltano's `select` patterns applied as Meltano writes them: `selected`
 * on every stream and every property (`stream.*` or `stream.property`; keys keep `inclusion: automatic`).
 */
export const meltanoSelect = (discovered: Any, patterns: ReadonlyArray<string>): Any => {
  const catalog = JSON.parse(JSON.stringify(discovered))
  for (const stream of catalog.streams) {
    const name: string = stream.tap_stream_id
    metadataOf(stream, []).selected = patterns.some((pattern) => pattern.split(".")[0] === name)
    for (const item of stream.metadata.filter((m: Any) => m.breadcrumb.length === 2)) {
      item.metadata.selected = patterns.includes(`${name}.*`) || patterns.includes(`${name}.${item.breadcrumb[1]}`)
    }
  }
  return catalog
}

/** What the minimal target received and emitted. */
export interface TargetResult {
  readonly schemas: Map<string, Any>
  readonly records: Map<string, Array<Record<string, unknown>>>
  /** The state the target emits at the end: the last STATE's value, unless a RECORD followed it. */
  readonly state: Any
}

/** Runs the minimal target over a tap's stdout; throws on a RECORD without SCHEMA or not valid against it. */
export const minimalTarget = (stdout: string): TargetResult => {
  const ajv = makeAjv({ draft: "04" })
  const validators = new Map<string, ValidateFunction>()
  const schemas = new Map<string, Any>()
  const records = new Map<string, Array<Record<string, unknown>>>()
  let state: Any = undefined
  for (const line of stdout.split("\n").filter((text) => text.length > 0)) {
    const message = JSON.parse(line)
    switch (message.type) {
      case "SCHEMA":
        schemas.set(message.stream, message.schema)
        validators.set(message.stream, ajv.compile(asDraft04(message.schema)))
        break
      case "RECORD": {
        const validate = validators.get(message.stream)
        if (validate === undefined) throw new Error(`RECORD of ${message.stream} before its SCHEMA`)
        if (!validate(message.record)) {
          throw new Error(
            `invalid ${message.stream} record ${JSON.stringify(message.record)}: ${ajv.errorsText(validate.errors)}`
          )
        }
        records.set(message.stream, [...(records.get(message.stream) ?? []), message.record])
        state = undefined
        break
      }
      case "STATE":
        state = message.value
        break
      default:
        throw new Error(`not a Singer message: ${line.slice(0, 200)}`)
    }
  }
  return { schemas, records, state }
}
