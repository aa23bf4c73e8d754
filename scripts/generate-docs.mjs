// Keeps the connector's Airbyte documentation and sample files in step with the code:
//   - rewrites the two generated tables of docs/integrations/sources/smartlead.md, between
//     `<!-- config-table:start -->` / `<!-- config-table:end -->` (from spec.json) and
//     `<!-- streams-table:start -->` / `<!-- streams-table:end -->` (from catalog.json);
//   - writes integration_tests/configured_catalog.json (a copy of catalog.json).
// Everything outside the markers is hand-written and left alone. Idempotent. Run it after
// scripts/generate.mjs (which writes spec.json and catalog.json from the built connector).
//
// The rendering functions are pure and exported, so test/docs/Docs.e2e.test.ts checks the committed
// docs against exactly what this script would write.
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const DOCS_PATH = "docs/integrations/sources/smartlead.md"
export const CONFIGURED_CATALOG_PATH = "integration_tests/configured_catalog.json"

/** Text safe inside a markdown table cell. */
const cell = (text) => String(text).replace(/\r?\n/g, " ").replace(/\|/g, "\\|").trim()
const code = (value) => "`" + (typeof value === "string" ? value : JSON.stringify(value)) + "`"
const row = (cells) => "| " + cells.map((c) => (c === "" ? " " : c)).join(" | ") + " |"

/** The JSON Schema type of a property, with its format and bounds, as a short phrase. */
const typeOf = (schema) => {
  const types = Array.isArray(schema.type) ? schema.type.filter((t) => t !== "null") : [schema.type ?? "any"]
  let text = types.join(" or ")
  if (text === "array" && schema.items !== undefined) text = `array of ${typeOf(schema.items)}`
  if (schema.format !== undefined) text += ` (${schema.format})`
  const bounds = []
  if (schema.minimum !== undefined && schema.maximum !== undefined) bounds.push(`${schema.minimum}–${schema.maximum}`)
  else if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`)
  else if (schema.maximum !== undefined) bounds.push(`≤ ${schema.maximum}`)
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`)
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`)
  if (bounds.length > 0) text += ` ${bounds.join(", ")}`
  return text
}

const describe = (schema) => {
  const parts = []
  if (schema.description !== undefined) parts.push(schema.description)
  if (Array.isArray(schema.enum)) parts.push(`One of ${schema.enum.map(code).join(", ")}.`)
  if (schema.airbyte_secret === true) parts.push("Secret (`airbyte_secret`: masked in the Airbyte UI).")
  return parts.join(" ")
}

/** The configuration table (key, title, type, required, default, description) from a ConnectorSpecification. */
export const renderConfigTable = (spec) => {
  const connection = spec.connectionSpecification
  const required = new Set(connection.required ?? [])
  const entries = Object.entries(connection.properties ?? {})
    .map(([key, schema], index) => ({ key, schema, order: schema.order ?? Number.MAX_SAFE_INTEGER, index }))
    .sort((a, b) => a.order - b.order || a.index - b.index)
  return [
    row(["key", "title", "type", "required", "default", "description"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...entries.map(({ key, schema }) =>
      row([
        code(key),
        cell(schema.title ?? ""),
        cell(typeOf(schema)),
        required.has(key) ? "yes" : "no",
        schema.default === undefined ? "" : cell(code(schema.default)),
        cell(describe(schema))
      ])
    )
  ].join("\n")
}

const SYNC_MODE_NAMES = { full_refresh: "Full Refresh", incremental: "Incremental" }
const fieldPath = (path) => code(path.join("."))

/** The streams table (sync modes, primary key, cursor, and how catalog.json configures it) from a configured catalog. */
export const renderStreamsTable = (catalog) =>
  [
    row(["stream", "sync modes", "primary key", "cursor field", "default configuration (catalog.json)"]),
    row(["---", "---", "---", "---", "---"]),
    ...catalog.streams.map((configured) => {
      const stream = configured.stream
      const incremental = stream.supported_sync_modes.includes("incremental")
      return row([
        code(stream.name),
        stream.supported_sync_modes.map((mode) => SYNC_MODE_NAMES[mode] ?? mode).join(", "),
        (stream.source_defined_primary_key ?? []).map(fieldPath).join(", "),
        incremental && stream.default_cursor_field !== undefined ? fieldPath(stream.default_cursor_field) : "",
        `${code(configured.sync_mode)} → ${code(configured.destination_sync_mode)}`
      ])
    })
  ].join("\n")

/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` with `body`. */
export const replaceBetween = (markdown, name, body) => {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = markdown.indexOf(start)
  const to = markdown.indexOf(end)
  if (from < 0 || to < 0 || to < from) {
    throw new Error(`${DOCS_PATH}: markers ${start} … ${end} are missing or out of order`)
  }
  if (markdown.indexOf(start, from + 1) >= 0 || markdown.indexOf(end, to + 1) >= 0) {
    throw new Error(`${DOCS_PATH}: markers ${start} / ${end} appear more than once`)
  }
  return markdown.slice(0, from + start.length) + "\n" + body + "\n" + markdown.slice(to)
}

/** The docs with both generated tables brought up to date. */
export const renderDocs = (markdown, spec, catalog) =>
  replaceBetween(
    replaceBetween(markdown, "config-table", renderConfigTable(spec)),
    "streams-table",
    renderStreamsTable(catalog)
  )

/** integration_tests/configured_catalog.json's text for a catalog. */
export const renderConfiguredCatalog = (catalog) => JSON.stringify(catalog, null, 2) + "\n"

/** Rewrites the docs tables and the configured catalog under `root`; returns the files that changed. */
export const generateDocs = (root) => {
  const at = (path) => resolve(root, path)
  const spec = JSON.parse(readFileSync(at("spec.json"), "utf8"))
  const catalog = JSON.parse(readFileSync(at("catalog.json"), "utf8"))
  const outputs = [
    [DOCS_PATH, renderDocs(readFileSync(at(DOCS_PATH), "utf8"), spec, catalog)],
    [CONFIGURED_CATALOG_PATH, renderConfiguredCatalog(catalog)]
  ]
  const changed = []
  for (const [path, text] of outputs) {
    let current
    try {
      current = readFileSync(at(path), "utf8")
    } catch {
      current = undefined
    }
    if (current !== text) {
      writeFileSync(at(path), text)
      changed.push(path)
    }
  }
  return changed
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = fileURLToPath(new URL("..", import.meta.url))
  const changed = generateDocs(root)
  console.log(changed.length === 0 ? "docs and integration_tests are up to date" : `wrote ${changed.join(", ")}`)
}
