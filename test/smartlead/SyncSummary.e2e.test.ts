/**
 * The last line of a sync: one INFO LOG giving the requests per stream, the retries, the time
 * waited for the rate limit and the records, checked against the requests the simulator received
 * per endpoint — for a sync that succeeds, one that retried, one that fails (the line comes
 * before the ERROR trace) and the Singer tap. Requests for resources several streams share (the
 * campaign list, the lead categories) count to the stream that first asked for them.
 */
import { describe, expect, it } from "vitest"
import type { Message } from "../helpers/Connector.js"
import { errorsOf, ofType, recordsOf, runConnector, runScript, TAP } from "../helpers/Connector.js"
import { setup, STREAM_NAMES } from "../helpers/Reads.js"
import type { RequestLogEntry, Simulator } from "../simulator/Simulator.js"
import { API_PREFIX } from "../simulator/Simulator.js"

const { configFor, files, start } = setup()

/** The stream whose own endpoint a request is; undefined for the shared ones (campaign list, categories). */
const ownerOf = (entry: RequestLogEntry): string | undefined => {
  const path = entry.path.slice(API_PREFIX.length)
  const perCampaign = /^\/campaigns\/\d+\/(leads|statistics|analytics|sequences)$/.exec(path)
  if (perCampaign !== null) {
    return { leads: "leads", statistics: "campaign_statistics", analytics: "campaign_analytics" }[
      perCampaign[1] as "leads" | "statistics" | "analytics"
    ] ?? "campaign_sequences"
  }
  if (path.startsWith("/email-accounts")) return "email_accounts"
  return undefined
}

const SHARED = new Set(["/campaigns", "/leads/fetch-categories"])

interface Summary {
  readonly outcome: string
  readonly total: number
  readonly perStream: Map<string, number>
  readonly retried: number
  readonly records: number
}

const SUMMARY =
  /^Sync (done|failed|interrupted): ([\d,]+) requests?(?: \(([^)]*)\))?, ([\d,]+) retried, [\d.]+ (?:s|min)[^,]* waited for the rate limit, ([\d,]+) records?$/

const number = (text: string) => Number(text.replace(/,/g, ""))

const parse = (line: string): Summary => {
  const match = SUMMARY.exec(line)
  if (match === null) throw new Error(`not a summary line: ${line}`)
  const perStream = new Map<string, number>()
  for (const part of (match[3] ?? "").split(", ").filter((part) => part !== "")) {
    const at = part.lastIndexOf(" ")
    perStream.set(part.slice(0, at), number(part.slice(at + 1)))
  }
  return {
    outcome: match[1]!,
    total: number(match[2]!),
    perStream,
    retried: number(match[4]!),
    records: number(match[5]!)
  }
}

/** The LOG lines of a run. */
const logs = (messages: ReadonlyArray<Message>): Array<{ level: string; message: string }> =>
  ofType(messages, "LOG").map((m) => m["log"])

/** The sync's summary: the last LOG line, which must be the only one starting with "Sync ". */
const summaryOf = (messages: ReadonlyArray<Message>): Summary => {
  const lines = logs(messages).filter((log) => log.message.startsWith("Sync "))
  expect(lines).toHaveLength(1)
  expect(lines[0]!.level).toBe("INFO")
  expect(logs(messages).at(-1)).toEqual(lines[0])
  return parse(lines[0]!.message)
}

/** Asserts the summary's counts are the simulator's: each stream's own endpoint, the shared requests to one stream each. */
const expectCountsOf = (summary: Summary, sim: Simulator) => {
  expect(summary.total).toBe(sim.requests.length)
  expect([...summary.perStream.values()].reduce((a, b) => a + b, 0)).toBe(summary.total)
  const own = new Map<string, number>()
  let shared = 0
  for (const entry of sim.requests) {
    const owner = ownerOf(entry)
    if (owner !== undefined) own.set(owner, (own.get(owner) ?? 0) + 1)
    else if (SHARED.has(entry.path.slice(API_PREFIX.length))) shared++
    else throw new Error(`unexpected request ${entry.path}`)
  }
  let attributed = 0
  for (const [stream, requests] of summary.perStream) {
    const extra = requests - (own.get(stream) ?? 0)
    expect(extra, stream).toBeGreaterThanOrEqual(0)
    attributed += extra
  }
  expect(attributed).toBe(shared)
  for (const [stream, requests] of own) expect(summary.perStream.get(stream), stream).toBeGreaterThanOrEqual(requests)
}

describe("the last line of a sync", () => {
  it("gives every stream's requests, as the simulator received them, and the records", async () => {
    const sim = await start({
      campaigns: 3,
      leadsPerCampaign: [120, 7, 0],
      engagement: { sendsPerCampaign: [130, 3, 0] }
    })
    const result = await runConnector(["read", "--config", configFor(sim, { page_size: 50 })])
    expect(result.code).toBe(0)
    const summary = summaryOf(result.messages)
    expect(summary.outcome).toBe("done")
    expect([...summary.perStream.keys()]).toEqual(STREAM_NAMES)
    expectCountsOf(summary, sim)
    expect(summary.retried).toBe(0)
    expect(summary.records).toBe(ofType(result.messages, "RECORD").length)
    // The per-campaign streams' own requests: 3 pages of the 120 leads and one page each of the
    // others; analytics (incremental in the default catalog) not for a drafted campaign.
    const drafted = sim.campaigns().filter((campaign) => campaign.status === "DRAFTED").length
    expect(summary.perStream.get("campaign_analytics")).toBe(3 - drafted)
    expect(summary.perStream.get("campaign_sequences")).toBe(3)
  })

  it("counts a retried request twice and the retry once, to its stream", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5 })
    sim.injectFault({
      match: { path: /\/leads$/, campaignId: sim.campaignIds[1]! },
      kind: { type: "status", status: 503 }
    })
    const result = await runConnector(["read", "--config", configFor(sim), "--catalog", files.write(leadsOnly())])
    expect(result.code).toBe(0)
    const summary = summaryOf(result.messages)
    expect(summary.retried).toBe(1)
    expect(summary.perStream.get("leads")).toBe(sim.requests.length)
    expectCountsOf(summary, sim)
  })

  it("is written when the sync fails, before the ERROR trace", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5 })
    const result = await runConnector([
      "read",
      "--config",
      configFor(sim, { campaign_ids: [...sim.campaignIds, 999_999] }),
      "--catalog",
      files.write(leadsOnly())
    ])
    expect(result.code).toBe(1)
    expect(errorsOf(result.messages)).toHaveLength(1)
    const summary = summaryOf(result.messages)
    expect(summary.outcome).toBe("failed")
    expectCountsOf(summary, sim)
    expect(summary.records).toBe(recordsOf(result.messages, "leads").length)
    const at = (predicate: (m: Message) => boolean) => result.messages.findIndex(predicate)
    expect(at((m) => m.type === "LOG" && m["log"].message.startsWith("Sync failed"))).toBeLessThan(
      at((m) => m.type === "TRACE" && m["trace"].type === "ERROR")
    )
  })

  it("ends the Singer tap's sync too, on stderr", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 5 })
    const { code, stderr } = await runScript(TAP, ["--config", configFor(sim)])
    expect(code).toBe(0)
    const last = stderr.trim().split("\n").at(-1)!
    expect(last).toMatch(/^INFO Sync done: /)
    const summary = parse(last.slice("INFO ".length))
    expectCountsOf(summary, sim)
  })

  it("is the only line of a read that makes no request", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
    const result = await runConnector(["read", "--config", configFor(sim), "--catalog", files.write({ streams: [] })])
    expect(result.code).toBe(0)
    expect(logs(result.messages).map((log) => log.message)).toEqual([
      "Sync done: 0 requests, 0 retried, 0 s waited for the rate limit, 0 records"
    ])
  })
})

/** A configured catalog of `leads` alone, incremental. */
const leadsOnly = () => ({
  streams: [{
    stream: { name: "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
    sync_mode: "incremental",
    destination_sync_mode: "append_dedup"
  }]
})
