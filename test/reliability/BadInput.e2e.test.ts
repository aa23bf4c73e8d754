/**
 * Bad inputs the existing CLI and e2e tests do not cover: every one must give a clear message
 * naming the problem as a protocol message (an ERROR trace with failure_type config_error, or a
 * FAILED CONNECTION_STATUS for `check`), the right exit code, and never a bare stack trace.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { RunResult } from "../helpers/Connector.js"
import { errorsOf, lastState, ofType, recordsOf, runConnector, stateInput, statusesOf } from "../helpers/Connector.js"
import { assertNoBareStackTrace, entries, expectInstantWithin, setup, timed } from "../helpers/Reads.js"

const { configFor, files, leadsOnly, readLeads, start } = setup()

/** A config base: a key, and a closed local port so that a value wrongly accepted never reaches the real API. */
const KEY = { api_key: "k-12345678", base_url: "http://127.0.0.1:9/api/v1" }

/** A failed command: exit 1, exactly one ERROR trace, config_error, message matching. */
const expectConfigError = (result: RunResult, pattern: RegExp, exitCode = 1) => {
  expect(result.code).toBe(exitCode)
  const errors = errorsOf(result.messages)
  expect(errors).toHaveLength(1)
  expect(errors[0]!.failure_type).toBe("config_error")
  expect(errors[0]!.message).toMatch(pattern)
  expect(ofType(result.messages, "RECORD")).toEqual([])
  assertNoBareStackTrace(result)
}

/** `check`'s answer: FAILED with a message matching, exit 0 — or, for a file that cannot be used at all, a config_error with exit 1. */
const expectCheckFailed = (result: RunResult, pattern: RegExp) => {
  const [status] = ofType(result.messages, "CONNECTION_STATUS")
  if (status !== undefined) {
    expect(result.code).toBe(0)
    expect(status["connectionStatus"].status).toBe("FAILED")
    expect(status["connectionStatus"].message).toMatch(pattern)
    assertNoBareStackTrace(result)
  } else {
    expectConfigError(result, pattern)
  }
}

describe("config files that cannot be used", () => {
  const dir = join(files.dir, "a-directory.json")
  mkdirSync(dir)
  // Tests run as root, so chmod 000 would not make a file unreadable: a directory stands in for it.
  const cases: Array<[string, string, RegExp]> = [
    ["a directory instead of a file", dir, /--config file ".*a-directory\.json": cannot be read/],
    ["JSON null", files.write("null"), /config must be a JSON object/],
    ["a JSON string", files.write(JSON.stringify("k-12345678")), /config must be a JSON object/],
    ["a JSON number", files.write("42"), /config must be a JSON object/],
    ["JSON with trailing garbage", files.write("{\"api_key\": \"k-12345678\"} }"), /--config file .*not valid JSON/]
  ]
  for (const [what, path, pattern] of cases) {
    it(`read and discover with ${what}: config_error naming the problem, exit 1`, async () => {
      expectConfigError(await runConnector(["read", "--config", path]), pattern)
      expectConfigError(await runConnector(["discover", "--config", path]), pattern)
    })
    it(`check with ${what}: a failure naming the problem`, async () => {
      expectCheckFailed(await runConnector(["check", "--config", path]), pattern)
    })
  }
})

describe("config values of the wrong type or out of range", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["page_size 0", { page_size: 0 }, /page_size: must be an integer from 1 to 100 \(got 0\)/],
    ["page_size 101", { page_size: 101 }, /page_size: must be an integer from 1 to 100 \(got 101\)/],
    ["max_retries -1", { max_retries: -1 }, /max_retries: must be an integer from 0 to 20 \(got -1\)/],
    ["request_timeout_seconds \"ten\"", { request_timeout_seconds: "ten" }, /request_timeout_seconds: .*number.*"ten"/],
    ["campaign_ids \"123\" (not an array)", { campaign_ids: "123" }, /campaign_ids: .*"123"/],
    ["lead_category_id 1.5", { lead_category_id: 1.5 }, /lead_category_id: must be an integer ≥ 0 \(got 1\.5\)/],
    ["an empty api_key", { api_key: "" }, /api_key: must not be empty/],
    ["a numeric api_key", { api_key: 12345678 }, /api_key/],
    ["a negative request rate", { max_requests_per_second: -1 }, /max_requests_per_second: must be a number > 0/],
    ["an unknown email_status", { email_status: "opened" }, /email_status/],
    [
      "base_url with an ftp scheme",
      { base_url: "ftp://example.com/api/v1" },
      /base_url: must be an http\(s\) URL \(got "ftp:/
    ],
    ["base_url without a scheme", { base_url: "localhost:8080/api/v1" }, /base_url: must be an http\(s\) URL/],
    ["an empty base_url", { base_url: "" }, /base_url: must be an http\(s\) URL/],
    // an unroutable address: a request made anyway would time out rather than fail at once
    [
      "base_url http:// to a remote host (the key would travel in cleartext)",
      { base_url: "http://10.255.255.1/api/v1" },
      /base_url: must start with https:\/\/ .*loopback host.*\(got "http:\/\/10\.255\.255\.1\/api\/v1"\)/
    ],
    [
      "base_url http:// to a host that only starts like localhost",
      { base_url: "http://localhost.example.com/api/v1" },
      /base_url: must start with https:\/\//
    ],
    ["start_date with month 13", { start_date: "2025-13-01T00:00:00Z" }, /start_date: must be an ISO 8601 date-time/],
    ["start_date on February 30", { start_date: "2025-02-30T00:00:00Z" }, /start_date: must be an ISO 8601 date-time/],
    [
      "start_date with an hour but no minutes",
      { start_date: "2025-03-01T10Z" },
      /start_date: must be an ISO 8601 date-time/
    ],
    ["last_sent_after not a date", { last_sent_after: 1735689600 }, /last_sent_after/]
  ]
  for (const [what, values, pattern] of cases) {
    it(`${what}: check answers FAILED naming it (exit 0); read fails with a config_error (exit 1)`, async () => {
      const path = files.write({ ...KEY, ...values })
      expectCheckFailed(await runConnector(["check", "--config", path]), pattern)
      expectConfigError(await runConnector(["read", "--config", path]), pattern)
    })
  }

  it("several bad values at once are all named in one message", async () => {
    const path = files.write({
      ...KEY,
      page_size: 0,
      max_retries: -1,
      request_timeout_seconds: "ten",
      campaign_ids: "123",
      lead_category_id: 1.5,
      base_url: "not a url"
    })
    const result = await runConnector(["check", "--config", path])
    expect(result.code).toBe(0)
    const message = ofType(result.messages, "CONNECTION_STATUS")[0]!["connectionStatus"].message as string
    for (
      const field of [
        "page_size",
        "max_retries",
        "request_timeout_seconds",
        "campaign_ids",
        "lead_category_id",
        "base_url"
      ]
    ) {
      expect(message).toContain(`${field}:`)
    }
    assertNoBareStackTrace(result)
  })
})

describe("unknown config keys", () => {
  it("are a warning, not fatal: check still SUCCEEDED against the simulator", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 3 })
    const path = configFor(sim, { colour: "blue", pageSize: 10 })
    const result = await runConnector(["check", "--config", path])
    expect(result.code).toBe(0)
    expect(ofType(result.messages, "CONNECTION_STATUS").map((m) => m["connectionStatus"].status)).toEqual(["SUCCEEDED"])
    const warnings = ofType(result.messages, "LOG").filter((m) => m["log"].level === "WARN").map((m) =>
      m["log"].message
    ).join("\n")
    expect(warnings).toMatch(/colour/)
    expect(warnings).toMatch(/pageSize/)
    assertNoBareStackTrace(result)
  })

  it("do not stop a read", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 4 })
    const result = await readLeads(sim, { colour: "blue" })
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toHaveLength(4)
  })
})

describe("catalogs that cannot be used", () => {
  const dir = join(files.dir, "catalog-dir")
  mkdirSync(dir)
  const stream = { name: "leads", json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] }
  const cases: Array<[string, string, RegExp]> = [
    ["a missing catalog file", join(files.dir, "no-such-catalog.json"), /--catalog file .*no such file/],
    ["a directory", dir, /--catalog file .*cannot be read/],
    ["JSON null", files.write("null"), /--catalog file .*not a configured catalog/],
    ["an object without streams", files.write({}), /--catalog file .*not a configured catalog.*streams/],
    [
      "streams that are not an array",
      files.write({ streams: { leads: true } }),
      /--catalog file .*not a configured catalog.*streams/
    ],
    [
      "an unknown sync mode",
      files.write({ streams: [{ stream, sync_mode: "sometimes", destination_sync_mode: "append" }] }),
      /--catalog file .*sync_mode/
    ],
    [
      "a stream without a name",
      files.write({ streams: [{ stream: { json_schema: {} }, sync_mode: "incremental" }] }),
      /--catalog file .*name/
    ]
  ]
  for (const [what, path, pattern] of cases) {
    it(`${what}: config_error naming the catalog, exit 1, no request sent`, async () => {
      const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
      expectConfigError(await runConnector(["read", "--config", configFor(sim), "--catalog", path]), pattern)
      expect(sim.requests).toHaveLength(0)
    })
  }

  it("a known stream in an unsupported mode next to an unknown stream: both named, nothing read", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
    const catalog = files.write({
      streams: [
        {
          stream: { name: "lead_categories", json_schema: {} },
          sync_mode: "incremental",
          destination_sync_mode: "append"
        },
        { stream: { name: "Leads", json_schema: {} }, sync_mode: "incremental", destination_sync_mode: "append" }
      ]
    })
    const result = await runConnector(["read", "--config", configFor(sim), "--catalog", catalog])
    expectConfigError(
      result,
      /lead_categories.*incremental.*unknown stream "Leads"|unknown stream "Leads".*lead_categories.*incremental/
    )
    expect(sim.requests).toHaveLength(0)
  })
})

describe("states that cannot be used", () => {
  const leadsState = (streamState: unknown) =>
    JSON.stringify([{ type: "STREAM", stream: { stream_descriptor: { name: "leads" }, stream_state: streamState } }])
  const cases: Array<[string, string | undefined, RegExp]> = [
    ["a missing state file", undefined, /--state file .*no such file/],
    ["an empty state file", "  \n", /--state file .*empty/],
    ["JSON null", "null", /--state file /],
    ["a JSON number", "42", /--state file /],
    ["a JSON string", JSON.stringify("leads"), /--state file /],
    [
      "a LEGACY state",
      JSON.stringify({ type: "LEGACY", data: { created_at: "2025-01-01T00:00:00Z" } }),
      /--state file .*LEGACY/
    ],
    ["a leads cursor that is not a date", leadsState({ created_at: "yesterday" }), /--state file .*created_at/],
    [
      "a campaigns map that is an array",
      leadsState({ created_at: "2025-01-01T00:00:00Z", campaigns: [] }),
      /--state file .*campaigns/
    ],
    [
      "a campaigns key that is not an id",
      leadsState({ created_at: "2025-01-01T00:00:00Z", campaigns: { abc: { created_at: "2025-01-01T00:00:00Z" } } }),
      /--state file .*"abc"/
    ],
    [
      "a campaign cursor that is not a date",
      leadsState({ created_at: "2025-01-01T00:00:00Z", campaigns: { "2710262": { created_at: "01/02/2025" } } }),
      /--state file .*2710262\.created_at/
    ],
    [
      "a campaign activity_at that is not a date",
      leadsState({
        created_at: "2025-01-01T00:00:00Z",
        campaigns: { "2710262": { created_at: "2025-01-01T00:00:00Z", activity_at: "2025-02-30T00:00:00Z" } }
      }),
      /--state file .*2710262\.activity_at/
    ],
    [
      "pass keys that are not row keys",
      leadsState({
        campaigns: {
          "2710262": {
            offset: 10,
            pass: { from: null, full: true, started_at: "2025-01-01T00:00:00Z", last_keys: [{ id: 1 }] }
          }
        }
      }),
      /--state file .*2710262\.pass\.last_keys/
    ],
    [
      "a reconciliation group that is not a date",
      leadsState({ campaigns: { "2710262": "2025-01-01T00:00:00.000Z" }, reconciled_at: { "last week": [2710262] } }),
      /--state file .*reconciled_at/
    ],
    [
      "a fractional offset",
      leadsState({
        created_at: "2025-01-01T00:00:00Z",
        campaigns: { "2710262": { created_at: "2025-01-01T00:00:00Z", offset: 2.5 } }
      }),
      /--state file .*offset/
    ],
    ["a stream_state that is an array", leadsState([1, 2]), /--state file /]
  ]
  for (const [what, text, pattern] of cases) {
    it(`${what}: config_error naming the state file, exit 1, no request sent`, async () => {
      const sim = await start({ campaigns: 1, leadsPerCampaign: 1 })
      const path = text === undefined ? join(files.dir, "no-such-state.json") : files.write(text)
      const result = await runConnector(["read", "--config", configFor(sim), "--catalog", leadsOnly(), "--state", path])
      expectConfigError(result, pattern)
      expect(sim.requests).toHaveLength(0)
    })
  }

  it("state for unknown streams is ignored with a warning while the leads state is applied", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 10 })
    const cut = sim.leads().map((lead) => lead.createdAt).sort()[14]!
    const state = [
      { type: "STREAM", stream: { stream_descriptor: { name: "emails" }, stream_state: { cursor: 1 } } },
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "leads" }, stream_state: { created_at: cut } },
        sourceStats: { recordCount: 3 }
      },
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "leads_v2" }, stream_state: { created_at: "not a date" } }
      }
    ]
    // (without the activity sweep, which would also bring leads with activity since the cursor)
    const result = await readLeads(sim, { activity_sweep: false }, state)
    expect(result.code).toBe(0)
    const warnings = ofType(result.messages, "LOG").filter((m) => m["log"].level === "WARN").map((m) =>
      m["log"].message
    ).join("\n")
    expect(warnings).toMatch(/emails/)
    expect(warnings).toMatch(/leads_v2/)
    const expected = sim.leads().filter((lead) => Date.parse(lead.createdAt) >= Date.parse(cut)).map((l) =>
      `${l.campaignId}:${l.id}`
    ).sort()
    expect(recordsOf(result.messages, "leads").map((r) => `${r["campaign_id"]}:${r["id"]}`).sort()).toEqual(expected)
    assertNoBareStackTrace(result)
  })
})

describe("far-future cursors", () => {
  it("a far-future start_date reads nothing, ends COMPLETE with exit 0, and never sets a cursor before it", async () => {
    const sim = await start({ campaigns: 3, leadsPerCampaign: 8 })
    const future = "2100-01-01T00:00:00Z"
    const { result, startedAt, endedAt } = await timed(() => readLeads(sim, { start_date: future }))
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, "leads")).toEqual([])
    expect(statusesOf(result.messages, "leads")).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    // each campaign completed an empty full read: no cursor at all (none before the start date), nothing under way
    const state = entries(lastState(result.messages, "leads"))
    const syncStart = expectInstantWithin(
      state.campaigns[sim.campaignIds[0]!]?.reconciled_at,
      startedAt,
      endedAt,
      "reconciled_at"
    )
    const empty = { reconciled_at: syncStart, activity_at: syncStart }
    expect(state).toEqual({ campaigns: Object.fromEntries(sim.campaignIds.map((id) => [id, empty])) })
    // and the next sync, from that state, still asks for nothing before the start date
    const again = await readLeads(sim, { start_date: future }, stateInput(result.messages))
    expect(again.code).toBe(0)
    expect(recordsOf(again.messages, "leads")).toEqual([])
    const requests = sim.requests.filter((r) => r.path.endsWith("/leads"))
    expect(requests).toHaveLength(6)
    for (const request of requests) {
      expect(request.query["created_at_gt"]).toBe("2099-12-31T23:59:59.999Z")
    }
  })

  it("a far-future cursor for one campaign is echoed while a campaign missing from the map is read in full", async () => {
    const sim = await start({ campaigns: 2, leadsPerCampaign: 6 })
    const [a, b] = sim.campaignIds as [number, number]
    const future = "2100-01-01T00:00:00.000Z"
    const state = { created_at: future, campaigns: { [a]: { created_at: future } } }
    const { result, startedAt, endedAt } = await timed(() => readLeads(sim, {}, state))
    expect(result.code).toBe(0)
    const records = recordsOf(result.messages, "leads")
    expect(records.every((r) => r["campaign_id"] === b)).toBe(true)
    expect(records).toHaveLength(6)
    // a's cursor is kept (its clocks start with this sync); b completed a full first read
    const final = entries(lastState(result.messages, "leads"))
    const syncStart = expectInstantWithin(final.campaigns[b]?.reconciled_at, startedAt, endedAt, "reconciled_at")
    expect(final.campaigns[a]).toEqual({ created_at: future, reconciled_at: syncStart, activity_at: syncStart })
    expect(final.campaigns[b]).toEqual({
      created_at: sim.leads(b).at(-1)!.createdAt,
      reconciled_at: syncStart,
      activity_at: syncStart
    })
    expect(final.created_at).toBe(future)
  })
})

describe("usage errors", () => {
  it("an unknown flag is a usage error (exit 2) naming it, without a stack trace", async () => {
    const result = await runConnector(["read", "--config", files.write(KEY), "--bogus"])
    expectConfigError(result, /--bogus/, 2)
  })

  it("a flag without its value is a usage error (exit 2)", async () => {
    const result = await runConnector(["read", "--config"])
    expectConfigError(result, /--config/, 2)
  })
})
