/**
 * `--about`: what a Singer tap is and which settings it takes, in the Meltano SDK's about-info
 * layout so that Meltano Hub's parser reads it: `name`, `description`, `version`, `capabilities`,
 * and `settings` as a JSON Schema object (`type`, `properties`, `required`). The settings are the
 * source's `connectionSpecification`, its Airbyte-only keywords translated (`airbyte_secret` →
 * `secret` and `writeOnly`, as the SDK marks secrets; `order` dropped). The description comes
 * from the source. Rendered as JSON or as the SDK's Markdown.
 */
import type { JsonSchemaObject } from "../airbyte/JsonSchema.js"
import type { AnySource } from "../airbyte/Source.js"

/** The about document. */
export interface AboutInfo {
  readonly name: string
  readonly description: string
  readonly version: string
  readonly capabilities: ReadonlyArray<string>
  readonly settings: {
    readonly type: "object"
    readonly properties: Readonly<Record<string, JsonSchemaObject>>
    readonly required: ReadonlyArray<string>
  }
}

/** What this tap supports, in the Singer capability names. */
export const CAPABILITIES = ["catalog", "discover", "state", "about"] as const

const setting = (property: JsonSchemaObject): JsonSchemaObject => {
  const { airbyte_secret, order: _order, ...rest } = property
  return airbyte_secret === true ? { ...rest, secret: true, writeOnly: true } : rest
}

/** The about document of a tap over `source`. */
export const aboutInfo = (
  source: AnySource<unknown>,
  info: { readonly name: string; readonly version: string }
): AboutInfo => {
  const specification = source.spec.connectionSpecification
  const properties = (specification["properties"] ?? {}) as Record<string, JsonSchemaObject>
  return {
    name: info.name,
    description: source.description ?? "",
    version: info.version,
    capabilities: CAPABILITIES,
    settings: {
      type: "object",
      properties: Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, setting(property)])),
      required: Array.isArray(specification["required"]) ? (specification["required"] as Array<string>) : []
    }
  }
}

const cell = (value: unknown): string => String(value).replace(/\r?\n/g, "<BR/>").replace(/\|/g, "\\|")

/** The about document as Markdown, laid out as the Meltano SDK's `--about --format markdown`. */
export const markdown = (about: AboutInfo): string => {
  const rows = Object.entries(about.settings.properties).map(([name, property]) =>
    `| ${name} | ${about.settings.required.includes(name) ? "True" : "False"} | ${
      property["default"] === undefined ? "None" : cell(JSON.stringify(property["default"]))
    } | ${cell(property["description"] ?? "")} |`
  )
  return [
    `# \`${about.name}\``,
    "",
    about.description,
    "",
    "## Capabilities",
    "",
    ...about.capabilities.map((capability) => `- \`${capability}\``),
    "",
    "## Settings",
    "",
    "| Setting | Required | Default | Description |",
    "|:--------|:--------:|:-------:|:------------|",
    ...rows,
    "",
    `A full list of supported settings and capabilities is available by running: \`${about.name} --about\``,
    ""
  ].join("\n")
}

/** `--about` output: JSON (indented, as the SDK prints it) or Markdown (the default). */
export const render = (about: AboutInfo, format: "json" | "markdown"): string =>
  format === "json" ? JSON.stringify(about, null, 2) + "\n" : markdown(about)
