/**
 * Helpers of the hostile end-to-end suites: runs of the built connector against the
 * simulator's mutation mode, with every message checked against the Airbyte protocol, every
 * record against its stream's discovered schema (`Schemas.ts`), the STATE record counts,
 * and the cursor rules (ISO 8601 UTC with milliseconds, never past the sync's
 * start + 5 min, campaign keys that are ids). Also: a run killed with SIGKILL once its stdout
 * reached a given byte count (what the platform saw up to there, complete lines only; in this
 * process, the run is cut off there and interrupted), seeded
 * hooks that delete and insert leads while pages are served, and set assertions on lead keys.
 */
import { expect } from "vitest"
import type { Message, RunOptions, RunResult } from "../helpers/Connector.js"
import {
  assertNoSecrets,
  assertStateCounts,
  leadKeys,
  recordsOf,
  startConnector,
  stateInput
} from "../helpers/Connector.js"
import { assertValidMessages } from "../helpers/Protocol.js"
import { setup } from "../helpers/Reads.js"
import { assertRecordsFitSchemas } from "../helpers/Schemas.js"
import { makeRng } from "../simulator/data.js"
import type { Rng } from "../simulator/data.js"
import type {
  LeadsPageRequest,
  Mutations,
  Simulator,
  SimulatorOptions,
  TimestampFormat
} from "../simulator/Simulator.js"

export { throughout } from "../simulator/Mutations.js"
export { makeRng }
export type { Rng }

/** Skew allowed for a cursor past the sync's start. */
export const SKEW_MS = 5 * 60_000
/** A cursor as state writes it: ISO 8601 UTC with milliseconds. */
export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// ----- state rules -------------------------------------------------------------------------

/** The leads stream_state as a STATE message carries it (compact: see `Cursor.encode`). */
export interface LeadsStateJson {
  created_at?: string
  /** A campaign's cursor alone, null before it has one, or its entry while a pass is under way. */
  campaigns?: Record<string, string | null | { created_at?: string; offset?: number; pass?: unknown }>
  /** Shared clocks, grouped by instant. */
  reconciled_at?: Record<string, Array<number | string>>
  activity_at?: Record<string, Array<number | string>>
}

/** The leads stream_states of a run, in order. */
export const leadStates = (messages: ReadonlyArray<Message>): Array<LeadsStateJson> =>
  messages
    .filter((m) => m.type === "STATE" && m["state"].stream.stream_descriptor.name === "leads")
    .map((m) => m["state"].stream.stream_state as LeadsStateJson)

/**
 * Asserts the cursor rules on every leads STATE of a run that started at or before `syncStartBound`
 * (ms), on the JSON as written: cursors, where present (a campaign whose first pass is under way
 * has none yet), are ISO 8601 UTC with milliseconds and never later than the sync's start + 5 min;
 * the instants that group `reconciled_at`/`activity_at` are ISO 8601 UTC with milliseconds and
 * name campaign ids; campaign keys are numeric ids. Soft assertions: a test goes on to check what
 * was delivered, and reports both.
 */
export const assertCursorRules = (messages: ReadonlyArray<Message>, syncStartBound: number): void => {
  const violations = new Set<string>()
  for (const state of leadStates(messages)) {
    const cursors: Array<[string, unknown]> = [["created_at", state.created_at]]
    for (const [id, entry] of Object.entries(state.campaigns ?? {})) {
      if (!/^\d+$/.test(id)) violations.add(`campaigns key ${JSON.stringify(id)} is not a campaign id`)
      const cursor = entry !== null && typeof entry === "object" ? entry.created_at : entry ?? undefined
      cursors.push([`campaigns.${id}`, cursor])
    }
    for (const field of ["reconciled_at", "activity_at"] as const) {
      for (const [at, ids] of Object.entries(state[field] ?? {})) {
        if (!ISO_UTC_MS.test(at)) {
          violations.add(`${field} key ${JSON.stringify(at)} is not ISO 8601 UTC with milliseconds`)
        }
        if (!ids.every((id) => /^\d+$/.test(String(id)))) violations.add(`${field}.${at} names something not an id`)
      }
    }
    for (const [where, value] of cursors) {
      if (value === undefined) continue
      if (!(typeof value === "string" && ISO_UTC_MS.test(value))) {
        violations.add(`${where} ${JSON.stringify(value)} is not ISO 8601 UTC with milliseconds`)
      } else if (Date.parse(value) > syncStartBound + SKEW_MS) {
        violations.add(`${where} ${value} is past the sync's start + 5 min`)
      }
    }
  }
  expect.soft([...violations].slice(0, 10), "leads STATE cursor rules").toEqual([])
}

// ----- runs ------------------------------------------------------------------------------------

/** The run of a read: its result and when it was started (an upper bound of the sync's start). */
export interface HostileRun extends RunResult {
  readonly startedAt: number
}

/** `campaign:id` keys of the leads records of some messages. */
export const keysOf = (messages: ReadonlyArray<Message>): Array<string> => leadKeys(recordsOf(messages, "leads"))

/** Asserts `actual` holds every key of `expected`; names the missing ones. */
export const expectSuperset = (actual: Iterable<string>, expected: Iterable<string>, what: string): void => {
  const have = new Set(actual)
  const missing = [...expected].filter((key) => !have.has(key)).sort()
  expect(missing, `${what}: leads not delivered`).toEqual([])
}

/** Asserts every delivered key belongs to a lead the server ever held (no invented records). */
export const expectOnlyKnown = (actual: Iterable<string>, sim: Simulator): void => {
  const ever = sim.mutations.ever()
  expect([...new Set(actual)].filter((key) => !ever.has(key)), "records of leads the server never held").toEqual([])
}

/** The suites' reads: leads only, fast retries, TZ of the child as given; every output checked. */
export const hostileSetup = (tz: string) => {
  const base = setup()
  const env = { TZ: tz }

  const start = (options: SimulatorOptions) => base.start(options)

  /** A read to its end. */
  const read = async (
    sim: Simulator,
    extra: Record<string, unknown> = {},
    state?: unknown,
    options: Pick<RunOptions, "timeoutMs" | "process"> = {}
  ): Promise<HostileRun> => {
    const startedAt = Date.now()
    const result = await base.readLeads(sim, extra, state, { env, ...options })
    assertCursorRules(result.messages, startedAt)
    return { ...result, startedAt }
  }

  /**
   * A read killed with SIGKILL as soon as its stdout reached `cutBytes`: the result holds what the
   * platform saw up to that byte (complete lines only). `committed` are the records up to the last
   * STATE, which is all a destination keeps of a killed sync.
   */
  const readKilled = async (sim: Simulator, extra: Record<string, unknown>, state: unknown, cutBytes: number) => {
    const startedAt = Date.now()
    const args = ["read", "--config", base.configFor(sim, extra), "--catalog", base.leadsOnly()]
    if (state !== undefined) args.push("--state", base.files.write(state))
    const started = startConnector(args, {
      env,
      onStdout: (bytes) => {
        if (bytes >= cutBytes) started.kill()
      }
    })
    const timer = setTimeout(started.kill, 60_000)
    const { stdout, stderr, code, signal } = await started.done.finally(() => clearTimeout(timer))
    const seenText = stdout.subarray(0, Math.min(cutBytes, stdout.length)).toString("utf8")
    assertNoSecrets(stdout.toString("utf8"), "stdout")
    assertNoSecrets(stderr, "stderr")
    const complete = seenText.endsWith("\n") ? seenText : seenText.slice(0, seenText.lastIndexOf("\n") + 1)
    const messages = complete.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line) as Message)
    assertValidMessages(messages)
    assertRecordsFitSchemas(messages)
    assertCursorRules(messages, startedAt)
    const lastState = messages.map((m) => m.type).lastIndexOf("STATE")
    const upToState = lastState < 0 ? [] : messages.slice(0, lastState + 1)
    assertStateCounts(upToState)
    return {
      code,
      signal,
      messages,
      committed: keysOf(upToState),
      /** the platform's state after this run: the input state when no STATE was seen */
      nextState: lastState < 0 ? state : stateInput(upToState),
      killed: signal === "SIGKILL"
    }
  }

  return { ...base, start, read, readKilled, env }
}

// ----- mutating hooks ------------------------------------------------------------------------

/** What a hook changed, per campaign. */
export interface HookCounts {
  deletes: Map<number, number>
  inserts: Map<number, number>
}

/**
 * A hook for `beforeLeadsPage`: before each leads request at an offset > 0 (at most
 * `maxDeletesPerCampaign` per campaign) it deletes one lead at a position before that offset in
 * the served order — a row the reader has already passed, so every later row moves one place
 * left; with `insertEvery` it also inserts one new lead on every n-th request of a campaign (at
 * most `maxInsertsPerCampaign`). Seeded per campaign, so a campaign's changes do not depend on
 * how requests of different campaigns interleave.
 */
export const mutatingHook = (options: {
  seed: number
  maxDeletesPerCampaign: number
  insertEvery?: number
  maxInsertsPerCampaign?: number
  counts?: HookCounts
}) => {
  const rngs = new Map<number, Rng>()
  const counts: HookCounts = options.counts ?? { deletes: new Map(), inserts: new Map() }
  const hook = (request: LeadsPageRequest, m: Mutations) => {
    const { campaignId, offset, requestNumber } = request
    let rng = rngs.get(campaignId)
    if (rng === undefined) {
      rng = makeRng((options.seed ^ campaignId) >>> 0)
      rngs.set(campaignId, rng)
    }
    const served = m.served(campaignId)
    const deletes = counts.deletes.get(campaignId) ?? 0
    if (offset > 0 && deletes < options.maxDeletesPerCampaign && served.length > 1) {
      m.deleteAt(campaignId, rng.int(0, Math.min(offset, served.length) - 1))
      counts.deletes.set(campaignId, deletes + 1)
    }
    const inserts = counts.inserts.get(campaignId) ?? 0
    if (
      options.insertEvery !== undefined && requestNumber % options.insertEvery === 0 &&
      inserts < (options.maxInsertsPerCampaign ?? Infinity)
    ) {
      m.insertLeads(campaignId, 1)
      counts.inserts.set(campaignId, inserts + 1)
    }
  }
  return { hook, counts }
}

/** Total of a per-campaign count. */
export const sum = (counts: ReadonlyMap<number, number>): number => [...counts.values()].reduce((a, b) => a + b, 0)

/** The simulator options of a suite: its order and timestamp format. */
export const suiteOptions = (
  order: NonNullable<SimulatorOptions["order"]>,
  timestamps: TimestampFormat,
  more: SimulatorOptions = {}
): SimulatorOptions => ({
  ...more,
  order,
  hostile: { ...more.hostile, timestamps }
})
