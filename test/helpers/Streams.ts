/**
 * End-to-end helpers for one stream at a time: `discover` with the same config gives the
 * stream's catalog entry and a one-stream catalog reads it. Every record has been validated
 * against its stream's discovered schema by `runConnector` (the one record check, in
 * `Schemas.ts`); here records must also be unique by the stream's primary key.
 */
import { expect } from "vitest"
import type { Simulator } from "../simulator/Simulator.js"
import type { RunOptions, RunResult } from "./Connector.js"
import { assertStateCounts, recordsOf, runConnector } from "./Connector.js"
import type { setup } from "./Reads.js"

/** The primary-key string of a record. */
export const keyOf = (record: Record<string, unknown>, primaryKey: ReadonlyArray<ReadonlyArray<string>>): string =>
  primaryKey.map((path) =>
    JSON.stringify(path.reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], record))
  ).join("|")

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
   * Reads one stream (full refresh) and checks its records: unique by the primary key, and the
   * STATE counts right (`runConnector` has checked each against its stream's discovered schema).
   */
  const read = async (
    sim: Simulator,
    stream: string,
    extra: Record<string, unknown> = {},
    options: RunOptions = {}
  ): Promise<
    RunResult & {
      records: Array<Record<string, unknown>>
      schema: Record<string, unknown>
      primaryKey: Array<Array<string>>
    }
  > => {
    const catalog = await discover(sim, extra)
    const entry = catalog.streams.find((s) => s.name === stream)!
    expect(entry, `discover lists ${stream}`).toBeDefined()
    const configured = helpers.files.write({
      streams: [{ stream: entry, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }]
    })
    const result = await runConnector(
      ["read", "--config", helpers.configFor(sim, extra), "--catalog", configured],
      options
    )
    assertStateCounts(result.messages)
    const records = recordsOf(result.messages, stream)
    const keys = records.map((record) => keyOf(record, entry.source_defined_primary_key))
    expect(new Set(keys).size, `${stream} records unique by ${JSON.stringify(entry.source_defined_primary_key)}`).toBe(
      keys.length
    )
    return { ...result, records, schema: entry.json_schema, primaryKey: entry.source_defined_primary_key }
  }

  return { discover, read }
}
