/**
 * The client-side rate limit, measured where it matters: in the simulator's request log. Many
 * campaigns read concurrently must stay within max_requests_per_second (+1) in every one-second
 * window; a 429's Retry-After must hold back the retry of that request; a server-side limit
 * answering 429s must be survived without loss.
 */
import { describe, expect, it } from "vitest"
import { errorsOf, leadKeys, recordsOf, statusesOf } from "../helpers/Connector.js"
import { assertNoBareStackTrace, expectedKeys, maxPerSecond, setup } from "../helpers/Reads.js"

const { readLeads, start } = setup()

describe("client-side rate limit", () => {
  it("8 campaigns read concurrently at max_requests_per_second 5 never exceed 6 requests in any 1 s window", async () => {
    const sim = await start({ campaigns: 8, leadsPerCampaign: 20, shape: "real" })
    // a child process: in this process the simulator would see arrivals when the shared event loop gets to them
    const result = await readLeads(sim, { page_size: 10, max_requests_per_second: 5 }, undefined, { process: true })
    expect(result.code).toBe(0)
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(expectedKeys(sim))
    // 1 campaigns request + 8 × 3 pages (offsets 0, 8, 16: each page after the first re-reads 2 rows)
    expect(sim.requests.length).toBeGreaterThanOrEqual(25)
    expect(maxPerSecond(sim)).toBeLessThanOrEqual(6)
    // and the limit was actually what paced the read: the campaigns were read concurrently
    const leadRequests = sim.requests.filter((r) => r.path.endsWith("/leads"))
    const firstEight = new Set(leadRequests.slice(0, 8).map((r) => r.campaignId))
    expect(firstEight.size).toBeGreaterThan(1)
    const span = sim.requests.at(-1)!.time - sim.requests[0]!.time
    expect(span).toBeGreaterThanOrEqual(((sim.requests.length - 6) / 5) * 1000)
  })

  it("a 429 with Retry-After: 2 holds back the retry of that same page by ≥ 2 s", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 30, shape: "real" })
    const target = sim.campaignIds[1]!
    // the second page: pages of 10 overlap by 2 rows, so it starts at offset 8
    sim.injectFault({ match: { campaignId: target, offset: 8 }, kind: { type: "rateLimited", retryAfterSeconds: 2 } })
    const result = await readLeads(sim, { page_size: 10 })
    expect(result.code).toBe(0)
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(expectedKeys(sim))
    const same = sim.requests.filter((r) =>
      r.campaignId === target && r.path.endsWith("/leads") && r.query["offset"] === "8"
    )
    expect(same).toHaveLength(2)
    expect(same[0]!.status).toBe(429)
    expect(same[1]!.status).toBe(200)
    expect(same[1]!.time - same[0]!.time).toBeGreaterThanOrEqual(2000)
    // the wait was logged, in whole seconds as asked
    const waits = result.messages.filter((m) => m.type === "LOG" && /Retrying in 2\.\d s/.test(m["log"].message))
    expect(waits.length).toBeGreaterThanOrEqual(1)
  })

  it("a server-side limit (3/s, 429 with Retry-After: 1) hit by a client set to 20/s: every lead, exit 0", async () => {
    const sim = await start({
      campaigns: 3,
      leadsPerCampaign: 20,
      shape: "documented",
      rateLimit: { perSecond: 3, retryAfterSeconds: 1 }
    })
    const result = await readLeads(sim, { page_size: 10, max_requests_per_second: 20, max_retries: 10 })
    expect(result.code).toBe(0)
    expect(errorsOf(result.messages)).toEqual([])
    expect(leadKeys(recordsOf(result.messages, "leads")).sort()).toEqual(expectedKeys(sim))
    expect(sim.requests.some((r) => r.fault === "rateLimit")).toBe(true)
    assertNoBareStackTrace(result)
  })
})
