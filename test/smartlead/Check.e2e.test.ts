/** `check` against the simulator: a good key, a wrong key, missing campaigns, an unreachable host. */
import { createServer } from "node:net"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { ofType, runConnector, tempFiles } from "../helpers/Connector.js"
import type { Simulator } from "../simulator/Simulator.js"
import { startSimulator } from "../simulator/Simulator.js"

const files = tempFiles()
afterAll(() => files.cleanup())
const simulators: Array<Simulator> = []
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()))
})

const status = (messages: ReadonlyArray<{ type: string; [key: string]: any }>) => {
  const statuses = ofType(messages, "CONNECTION_STATUS")
  expect(statuses).toHaveLength(1)
  return statuses[0]!["connectionStatus"] as { status: string; message?: string }
}

describe("check", () => {
  it("succeeds with a good key and existing campaigns", async () => {
    const sim = await startSimulator({ campaigns: 2, leadsPerCampaign: 1 })
    simulators.push(sim)
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: sim.apiKey, base_url: sim.url, campaign_ids: [...sim.campaignIds] })
    ])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(status(result.messages)).toEqual({ status: "SUCCEEDED" })
    expect(sim.requests[0]!.userAgent).toMatch(/^source-smartlead\//)
  })

  it("answers FAILED with a clear message for a wrong key, exit 0", async () => {
    const sim = await startSimulator({ campaigns: 1 })
    simulators.push(sim)
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: "not-the-key-42", base_url: sim.url })
    ])
    expect(result.code).toBe(0)
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/refused the API key \(HTTP 401: Invalid API Key\)/)
    expect(result.stdout).not.toContain("not-the-key-42")
  })

  it("names configured campaigns the account does not have", async () => {
    const sim = await startSimulator({ campaigns: 2 })
    simulators.push(sim)
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: sim.apiKey, base_url: sim.url, campaign_ids: [sim.campaignIds[0], 111, 222] })
    ])
    expect(result.code).toBe(0)
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/campaign_ids 111, 222 are not among the account's 2 campaigns/)
  })

  it("a 404 on the first request names base_url and says it normally ends with /api/v1", async () => {
    const sim = await startSimulator({ campaigns: 1 })
    simulators.push(sim)
    const root = sim.url.replace(/\/api\/v1$/, "")
    expect(root).not.toBe(sim.url)
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: sim.apiKey, base_url: root })
    ])
    expect(result.code).toBe(0)
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/404 Not Found/)
    expect(message).toContain(`nothing answers at base_url ${root}: check base_url, which normally ends with /api/v1`)
    expect(sim.requests.map((request) => request.path)).toEqual(["/campaigns"])
    expect(result.stdout).not.toContain(sim.apiKey)
  })

  it("a base_url with /api/v1 but a campaign 404 elsewhere is not blamed on base_url (the hint is check's first request only)", async () => {
    const sim = await startSimulator({ campaigns: 1 })
    simulators.push(sim)
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: sim.apiKey, base_url: sim.url, campaign_ids: [999] })
    ])
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).not.toMatch(/base_url/)
  })

  it("http:// to a remote host is refused naming base_url, before any request; http:// to 127.0.0.1 is allowed", async () => {
    const sim = await startSimulator({ campaigns: 1 })
    simulators.push(sim)
    const remote = await runConnector([
      "check",
      "--config",
      // the simulator's port on a non-loopback address: were it requested, the answer would not be a config error
      files.write({ api_key: sim.apiKey, base_url: sim.url.replace("127.0.0.1", "10.255.255.1") })
    ])
    expect(remote.code).toBe(0)
    const { message, status: outcome } = status(remote.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/base_url: must start with https:\/\//)
    expect(sim.requests).toEqual([])
    const loopback = await runConnector(["check", "--config", files.write({ api_key: sim.apiKey, base_url: sim.url })])
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:/)
    expect(status(loopback.messages)).toEqual({ status: "SUCCEEDED" })
  })

  it("answers FAILED promptly when the host refuses connections", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    const started = Date.now()
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: "abc-123456", base_url: `http://127.0.0.1:${port}/api/v1` })
    ])
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(result.code).toBe(0)
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/Could not reach SmartLead \(ECONNREFUSED/)
  })

  it("answers FAILED within 30 s when the API hangs", async () => {
    const sim = await startSimulator({ campaigns: 1 })
    simulators.push(sim)
    sim.injectFault({ times: Infinity, kind: { type: "hang" } })
    const started = Date.now()
    const result = await runConnector([
      "check",
      "--config",
      files.write({ api_key: sim.apiKey, base_url: sim.url, request_timeout_seconds: 600 })
    ])
    expect(Date.now() - started).toBeLessThan(30_000)
    const { message, status: outcome } = status(result.messages)
    expect(outcome).toBe("FAILED")
    expect(message).toMatch(/No answer from SmartLead within 10 s/)
  }, 40_000)
})
