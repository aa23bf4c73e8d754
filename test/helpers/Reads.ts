/**
 * Shared helpers of the end-to-end read suites: simulators closed after each test, fast configs
 * (high client rate limit, 5 ms initial retry delay), a leads-only catalog, and checks that
 * outputs carry no bare stack traces and that STATE never claims leads that were not emitted.
 */
import { afterAll, afterEach, expect } from "vitest"
import type { Simulator, SimulatorOptions } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"
import type { Message, RunOptions } from "./Connector.js"
import { assertStateCounts, runConnector, tempFiles } from "./Connector.js"

export const EPOCH = "1970-01-01T00:00:00.000Z"

/** Registers the per-file temp directory and simulator cleanup; call once at a test file's top level. */
export const setup = () => {
  const files = tempFiles()
  const simulators: Array<Simulator> = []
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((sim) => sim.close()))
  })
  afterAll(() => files.cleanup())

  const start = async (options: SimulatorOptions) => {
    const sim = await startSimulator(options)
    simulators.push(sim)
    return sim
  }

  const configFor = (sim: Simulator | { url: string; apiKey: string }, extra: Record<string, unknown> = {}) =>
    files.write({
      api_key: sim.apiKey,
      base_url: sim.url,
      max_requests_per_second: 1000,
      retry_initial_delay_ms: 5,
      ...extra
    })

  const leadsOnly = (syncMode: "incremental" | "full_refresh" = "incremental") =>
    files.write({
      streams: [{
        stream: { name: "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
        sync_mode: syncMode,
        destination_sync_mode: "append_dedup"
      }]
    })

  /** Reads the leads stream; checks the STATE record counts. */
  const readLeads = async (
    sim: Simulator | { url: string; apiKey: string },
    extra: Record<string, unknown> = {},
    state?: unknown,
    options: RunOptions = {}
  ) => {
    const args = ["read", "--config", configFor(sim, extra), "--catalog", leadsOnly()]
    if (state !== undefined) args.push("--state", files.write(state))
    const result = await runConnector(args, options)
    assertStateCounts(result.messages)
    return result
  }

  return { files, start, configFor, leadsOnly, readLeads }
}

/** Sorted `campaign:id` keys of everything the simulator holds. */
export const expectedKeys = (sim: Simulator): Array<string> =>
  sim.leads().map((lead) => `${lead.campaignId}:${lead.id}`).sort()

/** Asserts a text holds no stack-trace frames (`    at …`). */
export const assertNoStackTrace = (text: string, where: string): void => {
  const frame = text.split("\n").find((line) => /^\s+at\s/.test(line))
  if (frame !== undefined) throw new Error(`stack trace in ${where}: ${frame}`)
}

/** Asserts the outputs of a run carry no bare stack trace: none on stderr, none in a message text. */
export const assertNoBareStackTrace = (result: { stderr: string; messages: ReadonlyArray<Message> }): void => {
  assertNoStackTrace(result.stderr, "stderr")
  for (const m of result.messages) {
    if (m.type === "TRACE" && m["trace"].type === "ERROR") assertNoStackTrace(m["trace"].error.message, "an ERROR trace message")
    if (m.type === "LOG") assertNoStackTrace(m["log"].message, "a LOG message")
    if (m.type === "CONNECTION_STATUS") assertNoStackTrace(m["connectionStatus"].message ?? "", "a CONNECTION_STATUS message")
  }
}

/**
 * Asserts no STATE claims a lead that was not emitted before it: an entry with `offset` k (from
 * an epoch cursor, no input state) needs ≥ k records of its campaign so far; an entry without
 * offset needs every lead of the campaign up to its cursor.
 */
export const assertStatesClaimOnlyEmitted = (messages: ReadonlyArray<Message>, sim: Simulator): void => {
  const emitted = new Map<number, Set<number>>()
  for (const m of messages) {
    if (m.type === "RECORD" && m["record"].stream === "leads") {
      const data = m["record"].data
      const set = emitted.get(data.campaign_id) ?? new Set<number>()
      set.add(data.id)
      emitted.set(data.campaign_id, set)
    }
    if (m.type === "STATE" && m["state"].stream.stream_descriptor.name === "leads") {
      const campaigns = (m["state"].stream.stream_state.campaigns ?? {}) as Record<string, { created_at: string; offset?: number }>
      for (const [id, entry] of Object.entries(campaigns)) {
        const seen = emitted.get(Number(id)) ?? new Set<number>()
        if (entry.offset !== undefined) {
          expect(entry.created_at, `campaign ${id} cursor`).toBe(EPOCH)
          expect(seen.size, `campaign ${id}: STATE offset ${entry.offset}, records emitted`).toBeGreaterThanOrEqual(entry.offset)
        } else {
          const claimed = sim.leads(Number(id)).filter((lead) => Date.parse(lead.createdAt) <= Date.parse(entry.created_at))
          const missing = claimed.filter((lead) => !seen.has(lead.id))
          expect(missing.map((lead) => lead.id), `campaign ${id}: completed at ${entry.created_at} but leads not emitted`).toEqual([])
        }
      }
    }
  }
}

/** Records of the leads stream emitted per campaign. */
export const countByCampaign = (records: ReadonlyArray<Record<string, unknown>>): Map<number, number> => {
  const counts = new Map<number, number>()
  for (const r of records) counts.set(r["campaign_id"] as number, (counts.get(r["campaign_id"] as number) ?? 0) + 1)
  return counts
}
