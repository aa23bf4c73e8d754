/**
 * The API key never reaches stdout or stderr, whatever goes wrong: 401, 404, exhausted 5xx, a
 * timeout, a refused connection, error bodies that echo the request URL, and with
 * LOG_LEVEL=DEBUG. `runConnector` scans both streams for every value in `SECRETS`; the
 * distinctive keys used here are added to it.
 */
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import type { RunResult } from "../helpers/Connector.js"
import { errorsOf, ofType, recordsOf, runConnector, SECRETS, statusesOf } from "../helpers/Connector.js"
import { assertNoBareStackTrace, setup } from "../helpers/Reads.js"
import type { Simulator } from "../simulator/Simulator.js"

const { configFor, files, leadsOnly, start } = setup()

/** The second page of a read with page size 10 (pages overlap by 2 rows). */
const SECOND_PAGE = 8

const KEY = "sl-SECRET-7c1d9e4b2a6f-q8Zx"
const WRONG_KEY = "sl-WRONG-5b3e8a0f9d1c-kP2w"
/** A key with characters a query string encodes (space, +, /, =, &, ~, !). */
const ODD_KEY = "sl SECRET+9f/x=y&z~w!42"

const forms = (key: string) => [key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)]
for (const key of [KEY, WRONG_KEY, ODD_KEY]) for (const form of forms(key)) SECRETS.add(form)

const DEBUG = { LOG_LEVEL: "DEBUG" }

/** A port nothing listens on. */
const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const read = (
  target: Simulator | { url: string; apiKey: string },
  extra: Record<string, unknown>,
  env: Record<string, string> = DEBUG
) => runConnector(["read", "--config", configFor(target, extra), "--catalog", leadsOnly()], { env, timeoutMs: 30_000 })

/** The checks every failed read here must pass (the absence of secrets is checked by runConnector). */
const expectFailedRead = (result: RunResult, failureType: string) => {
  expect(result.code).toBe(1)
  expect(statusesOf(result.messages, "leads").at(-1)).toBe("INCOMPLETE")
  expect(errorsOf(result.messages).map((e) => e.failure_type)).toContain(failureType)
  for (const text of [result.stdout, result.stderr]) expect(text).not.toMatch(/api_key=(?!\*\*\*\*)[^&"\s]/)
  assertNoBareStackTrace(result)
}

/** The URL of a leads request as the connector sends it, with the key in it — what a chatty proxy echoes. */
const echoedUrl = (sim: Simulator, key: string) =>
  `${sim.url}/campaigns/${sim.campaignIds[0]}/leads?offset=0&limit=10&${
    new URLSearchParams({ api_key: key }).toString()
  }`

describe("the API key is never printed", () => {
  for (const [label, env] of [["LOG_LEVEL=DEBUG", DEBUG], ["default log level", {}]] as const) {
    it(`a 401 mid-read whose body echoes the URL (${label})`, async () => {
      const sim = await start({ campaigns: 2, leadsPerCampaign: 30, apiKey: KEY })
      sim.injectFault({
        match: { campaignId: sim.campaignIds[0]!, offset: SECOND_PAGE },
        times: Infinity,
        kind: {
          type: "status",
          status: 401,
          body: JSON.stringify({ message: `Invalid API Key for ${echoedUrl(sim, KEY)}` })
        }
      })
      const result = await read(sim, { page_size: 10 }, env)
      expectFailedRead(result, "config_error")
      expect(recordsOf(result.messages, "leads").length).toBeGreaterThanOrEqual(10)
    })
  }

  it("a 404 for a configured campaign, and a 404 HTML page whose title echoes the key", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 12, apiKey: KEY })
    sim.injectFault({
      match: { campaignId: sim.campaignIds[1]!, offset: 0 },
      times: Infinity,
      kind: {
        type: "status",
        status: 404,
        headers: { "content-type": "text/html" },
        body: `<html><head><title>Not Found: ${echoedUrl(sim, KEY)}</title></head></html>`
      }
    })
    const result = await read(sim, { page_size: 10, campaign_ids: [...sim.campaignIds, 999_999] })
    expect(result.code).toBe(1)
    expect(errorsOf(result.messages)[0]!.message).toMatch(/999999/)
    expect(recordsOf(result.messages, "leads")).toHaveLength(12)
    assertNoBareStackTrace(result)
  })

  it("5xx past max_retries, with error bodies echoing the key in JSON and HTML", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 20, apiKey: KEY })
    const [a, b] = sim.campaignIds as [number, number]
    sim.injectFault({
      match: { campaignId: a, offset: SECOND_PAGE },
      times: Infinity,
      kind: {
        type: "status",
        status: 500,
        body: JSON.stringify({ error: `upstream failed for ${echoedUrl(sim, KEY)}` })
      }
    })
    sim.injectFault({
      match: { campaignId: b, offset: 0 },
      times: Infinity,
      kind: {
        type: "status",
        status: 502,
        headers: { "content-type": "text/html" },
        body: `<html><head><title>502 for api_key=${KEY}</title></head><body>${KEY}</body></html>`
      }
    })
    const result = await read(sim, { page_size: 10, max_retries: 2 })
    expectFailedRead(result, "transient_error")
    expect(ofType(result.messages, "LOG").filter((m) => /Retrying/.test(m["log"].message)).length)
      .toBeGreaterThanOrEqual(4)
  })

  it("a request timeout", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20, apiKey: KEY })
    sim.injectFault({
      match: { campaignId: sim.campaignIds[0]!, offset: SECOND_PAGE },
      times: Infinity,
      kind: { type: "hang" }
    })
    const result = await read(sim, { page_size: 10, max_retries: 1, request_timeout_seconds: 1 })
    expectFailedRead(result, "transient_error")
    expect(errorsOf(result.messages)[0]!.message).toMatch(/within 1 s/)
  })

  it("a refused connection on a closed port", async () => {
    const port = await closedPort()
    const target = { url: `http://127.0.0.1:${port}/api/v1`, apiKey: KEY }
    const result = await runConnector([
      "read",
      "--config",
      configFor(target, { max_retries: 1, campaign_ids: [2710262] }),
      "--catalog",
      leadsOnly()
    ], { env: DEBUG })
    expectFailedRead(result, "transient_error")
    expect(errorsOf(result.messages)[0]!.message).toMatch(/ECONNREFUSED|reach/)
  })

  it("a successful read at LOG_LEVEL=DEBUG", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 15, apiKey: KEY })
    const result = await read(sim, { page_size: 10 })
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toHaveLength(30)
  })

  it("a key with characters a query string encodes, echoed back in the form it was sent", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 20, apiKey: ODD_KEY })
    sim.injectFault({
      match: { campaignId: sim.campaignIds[0]!, offset: SECOND_PAGE },
      times: Infinity,
      kind: { type: "status", status: 503, body: JSON.stringify({ message: `overloaded: ${echoedUrl(sim, ODD_KEY)}` }) }
    })
    const result = await read(sim, { page_size: 10, max_retries: 1 })
    // the key itself works (the first page is read), and neither it nor its encoded forms are printed
    expect(recordsOf(result.messages, "leads")).toHaveLength(10)
    expectFailedRead(result, "transient_error")
  })
})

describe("check never prints the key", () => {
  it("a wrong key: CONNECTION_STATUS FAILED, exit 0", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1, apiKey: KEY })
    const result = await runConnector(["check", "--config", configFor({ url: sim.url, apiKey: WRONG_KEY })], {
      env: DEBUG
    })
    expect(result.code).toBe(0)
    const [status] = ofType(result.messages, "CONNECTION_STATUS")
    expect(status!["connectionStatus"].status).toBe("FAILED")
    expect(status!["connectionStatus"].message).toMatch(/API key/)
    assertNoBareStackTrace(result)
  })

  it("an unreachable host: FAILED within 30 s, exit 0", async () => {
    const started = Date.now()
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: KEY, base_url: "http://127.0.0.1:1/api/v1" })
    ], { env: DEBUG, timeoutMs: 40_000 })
    expect(Date.now() - started).toBeLessThanOrEqual(30_000)
    expect(result.code).toBe(0)
    const [status] = ofType(result.messages, "CONNECTION_STATUS")
    expect(status!["connectionStatus"].status).toBe("FAILED")
    expect(status!["connectionStatus"].message).toMatch(/reach|ECONNREFUSED/)
    assertNoBareStackTrace(result)
  })
})
