/**
 * An account with a thousand campaigns: checkpoints that scale with it. STATE is written on a
 * clock, not after every page (a sync shorter than `checkpoint_interval_seconds` writes one, at
 * its end), a campaign's entry costs tens of bytes, and a sync killed at any point and resumed
 * from the last STATE the platform saw loses no lead.
 */
import { describe, expect, it } from "vitest"
import { lastState, recordsOf, statesOf } from "../helpers/Connector.js"
import { entries, expectedKeys } from "../helpers/Reads.js"
import { expectSuperset, hostileSetup, keysOf } from "../hostile/Hostile.js"

const { read, readKilled, start } = hostileSetup("UTC")

const CAMPAIGNS = 1_000

describe("many campaigns", () => {
  it("one STATE for a sync shorter than the checkpoint interval, at most 60 bytes of state a campaign", async () => {
    const sim = await start({ campaigns: CAMPAIGNS, leadsPerCampaign: 3 })
    const first = await read(sim, {}, undefined, { timeoutMs: 120_000 })
    expect(first.code, first.stdout.slice(-500)).toBe(0)
    expect(recordsOf(first.messages, "leads")).toHaveLength(3 * CAMPAIGNS)
    const states = statesOf(first.messages, "leads")
    expect(states).toHaveLength(1)
    const state = states[0]!["state"].stream.stream_state
    const bytes = JSON.stringify(state).length
    expect(bytes / CAMPAIGNS, `${bytes} bytes of state`).toBeLessThan(60)
    expect(Object.keys(entries(state).campaigns)).toHaveLength(CAMPAIGNS)

    // the next sync, with nothing new: one STATE again, no larger
    const second = await read(sim, {}, [states[0]!["state"]], { timeoutMs: 120_000 })
    expect(second.code).toBe(0)
    const again = statesOf(second.messages, "leads")
    expect(again).toHaveLength(1)
    expect(JSON.stringify(lastState(second.messages, "leads")).length).toBeLessThanOrEqual(bytes + 200)
  })

  // (200 campaigns: a STATE after every page of a thousand is a million entries encoded)
  for (
    const [what, interval, cut] of [
      ["checkpoints after every page, killed half-way", 0, 0.5],
      ["the default interval (no STATE before the kill)", undefined, 0.5]
    ] as const
  ) {
    it(`a sync killed and resumed from the last STATE the platform saw loses nothing: ${what}`, async () => {
      const sim = await start({ campaigns: 200, leadsPerCampaign: 2 })
      const settings = interval === undefined ? {} : { checkpoint_interval_seconds: interval }
      const whole = await read(sim, settings, undefined, { timeoutMs: 120_000 })
      const killed = await readKilled(sim, settings, undefined, Math.floor(whole.stdout.length * cut))
      expect(killed.killed).toBe(true)
      if (interval === 0) expect(statesOf(killed.messages, "leads").length).toBeGreaterThan(1)
      const resumed = await read(sim, settings, killed.nextState, { timeoutMs: 120_000 })
      expect(resumed.code, resumed.stdout.slice(-500)).toBe(0)
      expectSuperset([...killed.committed, ...keysOf(resumed.messages)], expectedKeys(sim), "the kill and its resume")
    })
  }
})
