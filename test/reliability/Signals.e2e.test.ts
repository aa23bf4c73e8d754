/**
 * Ending a read from outside: SIGTERM and SIGINT mid-read must end the process promptly with
 * 143 / 130, and no STATE printed (before or after the signal) may claim a lead that was not
 * emitted, so a resume from the last STATE loses nothing. A consumer that closes the pipe must
 * end the process promptly and quietly.
 */
import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import type { Message } from "../helpers/Connector.js"
import { assertNoSecrets, leadKeys, MAIN, recordsOf, runConnector, stateInput } from "../helpers/Connector.js"
import { assertNoBareStackTrace, assertStatesClaimOnlyEmitted, expectedKeys, setup } from "../helpers/Reads.js"
import type { SimulatorOptions } from "../simulator/Simulator.js"

const { configFor, leadsOnly, readLeads, start } = setup()

/** 6 campaigns × 100 leads in pages of 5 at 200 ms a request: ~4 s of reading. */
const SLOW: SimulatorOptions = { campaigns: 6, leadsPerCampaign: 100, latencyMs: 200, shape: "real" }

/** Each STATE's recordCount equals the records since the stream's previous STATE (records may follow the last one when interrupted). */
const assertStateCountsSoFar = (messages: ReadonlyArray<Message>) => {
  let since = 0
  for (const m of messages) {
    if (m.type === "RECORD" && m["record"].stream === "leads") since++
    if (m.type === "STATE") {
      expect(m["state"].sourceStats.recordCount).toBe(since)
      since = 0
    }
  }
}

describe("signals during a read", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it(`${signal} after the first RECORD ends the read within 2 s with exit ${code}; no STATE claims unread leads; a resume loses nothing`, async () => {
      const sim = await start(SLOW)
      let signalledAt = 0
      let closedAt = 0
      const result = await runConnector([
        "read",
        "--config",
        configFor(sim, { page_size: 5 }),
        "--catalog",
        leadsOnly()
      ], {
        timeoutMs: 20_000,
        onSpawn: (child) => {
          let seen = ""
          child.stdout!.on("data", (chunk: Buffer) => {
            if (signalledAt > 0) return
            seen += chunk.toString("utf8")
            if (seen.includes("\"type\":\"RECORD\"")) {
              signalledAt = Date.now()
              child.kill(signal)
            }
          })
          child.on("close", () => (closedAt = Date.now()))
        }
      })
      expect(signalledAt).toBeGreaterThan(0)
      expect(result.signal).toBeNull()
      expect(result.code).toBe(code)
      expect(closedAt - signalledAt).toBeLessThanOrEqual(2000)
      assertNoBareStackTrace(result)
      assertStateCountsSoFar(result.messages)
      assertStatesClaimOnlyEmitted(result.messages, sim)
      // the read was really cut short
      const firstKeys = leadKeys(recordsOf(result.messages, "leads"))
      expect(firstKeys.length).toBeLessThan(sim.leads().length)

      // a resume from the last STATE (same data, no latency) delivers every lead not yet emitted
      await sim.close()
      const fast = await start({ ...SLOW, latencyMs: 0 })
      expect(expectedKeys(fast)).toEqual(expectedKeys(sim))
      const second = await readLeads(fast, { page_size: 5 }, stateInput(result.messages))
      expect(second.code).toBe(0)
      const union = new Set([...firstKeys, ...leadKeys(recordsOf(second.messages, "leads"))])
      expect([...union].sort()).toEqual(expectedKeys(fast))
    })
  }
})

describe("signals during a long wait", () => {
  it("SIGTERM while waiting out a 429 with Retry-After: 30 ends the process within 2 s with exit 143", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 30 })
    // the second page (pages of 10 overlap by 2 rows, so it starts at offset 8)
    sim.injectFault({
      match: { campaignId: sim.campaignIds[0]!, offset: 8 },
      kind: { type: "rateLimited", retryAfterSeconds: 30 }
    })
    let signalledAt = 0
    let closedAt = 0
    const result = await runConnector(
      ["read", "--config", configFor(sim, { page_size: 10 }), "--catalog", leadsOnly()],
      {
        timeoutMs: 20_000,
        onSpawn: (child) => {
          let seen = ""
          child.stdout!.on("data", (chunk: Buffer) => {
            seen += chunk.toString("utf8")
            if (signalledAt === 0 && /Retrying in 30/.test(seen)) {
              signalledAt = Date.now()
              setTimeout(() => child.kill("SIGTERM"), 200)
            }
          })
          child.on("close", () => (closedAt = Date.now()))
        }
      }
    )
    expect(signalledAt).toBeGreaterThan(0)
    expect(result.code).toBe(143)
    expect(closedAt - signalledAt).toBeLessThanOrEqual(2200)
    assertNoBareStackTrace(result)
    assertStateCountsSoFar(result.messages)
    assertStatesClaimOnlyEmitted(result.messages, sim)
  })
})

/** Runs a read and destroys its stdout as soon as what it printed matches `when`; times the end. */
const closeStdoutWhen = async (
  args: ReadonlyArray<string>,
  when: (printed: string) => boolean,
  killAfterMs: number
) => {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let closedPipeAt = 0
  let seen = ""
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  child.stdout.on("data", (chunk: Buffer) => {
    seen += chunk.toString("utf8")
    if (closedPipeAt === 0 && when(seen)) {
      closedPipeAt = Date.now()
      child.stdout.destroy()
    }
  })
  const killer = setTimeout(() => child.kill("SIGKILL"), killAfterMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (c, s) => resolve([c, s]))
  )
  clearTimeout(killer)
  return {
    code,
    signal,
    closedPipeAt,
    endedAt: Date.now(),
    stderrLines: stderr.split("\n").filter((line) => line.length > 0),
    stderr
  }
}

describe("a consumer that closes the pipe", () => {
  it("stdout destroyed after the first RECORD: the process ends within 2 s, exit 141, at most one stderr line", async () => {
    const sim = await start(SLOW)
    const run = await closeStdoutWhen(
      ["read", "--config", configFor(sim, { page_size: 5 }), "--catalog", leadsOnly()],
      (printed) => printed.includes("\"type\":\"RECORD\""),
      20_000
    )
    expect(run.closedPipeAt).toBeGreaterThan(0)
    expect(run.endedAt - run.closedPipeAt).toBeLessThanOrEqual(2000)
    expect(run.code).toBe(141)
    expect(run.stderrLines.length).toBeLessThanOrEqual(1)
    assertNoSecrets(run.stderr, "stderr")
  })

  it("`read | head -1`: the pipeline ends within 2 s of the first line, at most one stderr line", async () => {
    const sim = await start(SLOW)
    const config = configFor(sim, { page_size: 5 })
    const catalog = leadsOnly()
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    const child = spawn("sh", [
      "-c",
      `${quote(process.execPath)} ${quote(MAIN)} read --config ${quote(config)} --catalog ${quote(catalog)} | head -1`
    ], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let firstLineAt = 0
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8")
      if (firstLineAt === 0 && stdout.includes("\n")) firstLineAt = Date.now()
    })
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
    clearTimeout(killer)
    const endedAt = Date.now()
    expect(code).toBe(0)
    expect(firstLineAt).toBeGreaterThan(0)
    expect(endedAt - firstLineAt).toBeLessThanOrEqual(2000)
    const lines = stdout.split("\n").filter((line) => line.length > 0)
    expect(lines).toHaveLength(1)
    expect(() => JSON.parse(lines[0]!)).not.toThrow()
    expect(stderr.split("\n").filter((line) => line.length > 0).length).toBeLessThanOrEqual(1)
    assertNoSecrets(stderr, "stderr")
    // the connector stopped reading: far fewer requests than a full read needs
    expect(sim.requests.length).toBeLessThan(20)
  })

  it("stdout closed while the connector waits out a 429 with Retry-After: 30: the process still ends within 2 s", async () => {
    // one campaign, so that nothing else is written during the wait
    const sim = await start({ campaigns: 1, leadsPerCampaign: 30 })
    // the second page (pages of 10 overlap by 2 rows, so it starts at offset 8)
    sim.injectFault({
      match: { campaignId: sim.campaignIds[0]!, offset: 8 },
      kind: { type: "rateLimited", retryAfterSeconds: 30 }
    })
    const run = await closeStdoutWhen(
      ["read", "--config", configFor(sim, { page_size: 10 }), "--catalog", leadsOnly()],
      (printed) => /Retrying in 30/.test(printed),
      15_000
    )
    expect(run.closedPipeAt).toBeGreaterThan(0)
    expect(run.signal, "the process had to be killed").toBeNull()
    expect(run.endedAt - run.closedPipeAt, "ms from the pipe closing to the process ending").toBeLessThanOrEqual(2000)
    expect(run.code).toBe(141)
    expect(run.stderrLines.length).toBeLessThanOrEqual(1)
  })
})
