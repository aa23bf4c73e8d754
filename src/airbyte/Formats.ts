/**
 * Renderings of `read` for the shell, next to the default Airbyte protocol: only the records, as
 * JSON Lines (`| jq`, `> records.jsonl`) or as CSV with chosen columns (nested fields by dotted
 * path, e.g. `address.city`). Everything that is not a record goes to stderr as
 * plain text: warnings and errors one line each, nothing for STATE and progress traces.
 */
import type { Format } from "./Output.js"
import type { AirbyteMessage, JsonObject } from "./Protocol.js"

const toStderr = (message: AirbyteMessage): { readonly stderr?: string } => {
  if (message.type === "LOG" && ["FATAL", "ERROR", "WARN"].includes(message.log.level)) {
    return { stderr: `${message.log.level.toLowerCase()}: ${message.log.message}\n` }
  }
  if (message.type === "TRACE" && message.trace.type === "ERROR") {
    return { stderr: `error: ${message.trace.error.message}\n` }
  }
  if (message.type === "CONNECTION_STATUS" || message.type === "SPEC" || message.type === "CATALOG") {
    return { stderr: JSON.stringify(message) + "\n" }
  }
  return {}
}

/** Records as JSON Lines on stdout, one record's data per line. */
export const jsonLines: Format = {
  records: (_stream, batch) => {
    let lines = ""
    for (const data of batch) lines += JSON.stringify(data) + "\n"
    return lines
  },
  message: toStderr
}

/** The value at a dotted path (`address.city`); a key containing dots wins if present. */
export const valueAt = (record: JsonObject, path: string): unknown => {
  if (path in record) return record[path]
  let current: unknown = record
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** One CSV field (RFC 4180): objects as JSON, null as empty, quoted when needed. */
export const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return ""
  const text = typeof value === "object" ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text
}

/** A CSV line of fields. */
export const csvLine = (fields: ReadonlyArray<unknown>): string => fields.map(csvField).join(",") + "\r\n"

/** Records as CSV rows of the given columns (the header is the caller's prelude: `csvLine(columns)`). */
export const csv = (columns: ReadonlyArray<string>): Format => ({
  records: (_stream, batch) => {
    let lines = ""
    for (const data of batch) lines += csvLine(columns.map((column) => valueAt(data, column)))
    return lines
  },
  message: toStderr
})
