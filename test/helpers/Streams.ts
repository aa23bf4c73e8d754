/**
 * End-to-end helpers for one stream at a time: `discover` with the same config gives the
 * stream's JSON Schema, a one-stream catalog reads it, and every record is validated against the
 * discovered schema with ajv (formats on: a `date-time` must be one). Records must also be unique
 * by the stream's primary key.
 */
import AjvModule from "ajv"
import addFormatsModule from "ajv-formats"
import { expect } from "vitest"
import type { Simulator } from "../simulator/Simulator.js"
import type { Message, RunOptions, RunResult } from "./Connector.js"
import { assertStateCounts, recordsOf, runConnector } from "./Connector.js"
import type { setup } from "./Reads.js"

const Ajv = AjvModule.default ?? AjvModule
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: InstanceType<typeof Ajv>) => void

/** A validator of records against a discovered schema, formats checked. */
export const recordValidator = (schema: Record<string, unknown>) => {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false })
  addFormats(ajv)
  const validate = ajv.compile(schema)
  return (record: unknown): string | undefined => (validate(record) ? undefined : ajv.errorsText(validate.errors))
}

/** Asserts every record is valid against the schema; names the first invalid one. */
export const assertRecordsValid = (schema: Record<string, unknown>, records: ReadonlyArray<unknown>): void => {
  const validate = recordValidator(schema)
  for (const [index, record] of records.entries()) {
    const problem = validate(record)
    if (problem !== undefined) throw new Error(`record ${index} does not match its schema: ${problem}: ${JSON.stringify(record).slice(0, 300)}`)
  }
}

/** The primary-key string of a record. */
export const keyOf = (record: Record<string, unknown>, primaryKey: ReadonlyArray<ReadonlyArray<string>>): string =>
  primaryKey.map((path) => JSON.stringify(path.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], record))).join("|")

/** A discovered catalog. */
export interface Catalog {
  readonly streams: ReadonlyArray<{
    readonly name: string
    readonly json_schema: Record<string, unknown>
    readonly supported_sync_modes: ReadonlyArray<string>
    readonly source_defined_primary_key: Array<Array<string>>
  }>
}

/** One-stream reads: discover, read, validate. */
export const streamReader = (helpers: Pick<ReturnType<typeof setup>, "configFor" | "files">) => {
  /** Catalogs by config extras: discover makes no request, so its answer depends on the config alone. */
  const catalogs = new Map<string, Promise<Catalog>>()
  const discover = (sim: Simulator, extra: Record<string, unknown> = {}): Promise<Catalog> => {
    const key = JSON.stringify(extra)
    let catalog = catalogs.get(key)
    if (catalog === undefined) {
      catalog = runConnector(["discover", "--config", helpers.configFor(sim, extra)]).then((result) => {
        expect(result.code).toBe(0)
        return result.messages.find((m) => m.type === "CATALOG")!["catalog"] as Catalog
      })
      catalogs.set(key, catalog)
    }
    return catalog
  }

  /**
   * Reads one stream (full refresh) and checks its records: valid against the discovered schema,
   * unique by the primary key, and the STATE counts right.
   */
  const read = async (
    sim: Simulator,
    stream: string,
    extra: Record<string, unknown> = {},
    options: RunOptions = {}
  ): Promise<RunResult & { records: Array<Record<string, unknown>>; schema: Record<string, unknown>; primaryKey: Array<Array<string>> }> => {
    const catalog = await discover(sim, extra)
    const entry = catalog.streams.find((s) => s.name === stream)!
    expect(entry, `discover lists ${stream}`).toBeDefined()
    const configured = helpers.files.write({
      streams: [{ stream: entry, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }]
    })
    const result = await runConnector(["read", "--config", helpers.configFor(sim, extra), "--catalog", configured], options)
    assertStateCounts(result.messages)
    const records = recordsOf(result.messages, stream)
    assertRecordsValid(entry.json_schema, records)
    const keys = records.map((record) => keyOf(record, entry.source_defined_primary_key))
    expect(new Set(keys).size, `${stream} records unique by ${JSON.stringify(entry.source_defined_primary_key)}`).toBe(keys.length)
    return { ...result, records, schema: entry.json_schema, primaryKey: entry.source_defined_primary_key }
  }

  return { discover, read }
}

/** The ERROR traces' messages. */
export const errorMessages = (messages: ReadonlyArray<Message>): Array<string> =>
  messages.filter((m) => m.type === "TRACE" && m["trace"].type === "ERROR").map((m) => m["trace"].error.message as string)
