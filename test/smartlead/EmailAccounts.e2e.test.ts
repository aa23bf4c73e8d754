/**
 * `email_accounts` end to end against the simulator: every mailbox once, in pages of 100 until
 * a short page, keyed by id, typed, valid against the discovered schema, and without a single
 * credential key at any depth. (Test/reliability/Credentials.test.ts checks every output mode.)
 */
import { describe, expect, it } from "vitest"
import { errorsOf, statusesOf } from "../helpers/Connector.js"
import { setup } from "../helpers/Reads.js"
import { streamReader } from "../helpers/Streams.js"

const helpers = setup()
const { read } = streamReader(helpers)
const STREAM = "email_accounts"

/** Every key path of a JSON value. */
const keyPaths = (value: unknown, path = ""): Array<string> =>
  Array.isArray(value)
    ? value.flatMap((item, index) => keyPaths(item, `${path}[${index}]`))
    : typeof value === "object" && value !== null
    ? Object.entries(value).flatMap(([key, item]) => [`${path}.${key}`, ...keyPaths(item, `${path}.${key}`)])
    : []

describe("email_accounts", () => {
  it("reads every account once, in pages of 100, typed and without credentials", async () => {
    const sim = await helpers.start({ campaigns: 1, leadsPerCampaign: 1, engagement: { emailAccounts: 230 } })
    const result = await read(sim, STREAM)
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    expect(statusesOf(result.messages, STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"])
    expect(result.records.map((r) => r["id"])).toEqual(sim.engagement.emailAccounts().map((a) => a.id))
    const requests = sim.requests.filter((r) => r.path === "/api/v1/email-accounts/")
    expect(requests.map((r) => [r.query["offset"], r.query["limit"]])).toEqual([["0", "100"], ["100", "100"], [
      "200",
      "100"
    ]])
    for (const record of result.records) {
      const account = sim.engagement.emailAccounts().find((a) => a.id === record["id"])!
      expect(record).toMatchObject({
        from_email: account.fromEmail,
        message_per_day: account.messagePerDay,
        daily_sent_count: account.dailySentCount,
        campaign_count: account.campaignCount,
        is_smtp_success: account.isSmtpSuccess,
        warmup_details: {
          status: account.warmupStatus,
          total_sent_count: account.warmupSent,
          warmup_reputation: account.warmupReputation
        }
      })
      expect(keyPaths(record).filter((path) => /password|secret|token/i.test(path))).toEqual([])
    }
    // what was dropped was there to drop
    expect(JSON.stringify(result.records)).not.toMatch(/SIM-[A-Z-]*(PASSWORD|TOKEN|SECRET)/)
    expect(result.records.some((r) => (r["oauth"] as Record<string, unknown>)["expires_in"] === 3599)).toBe(true)
  })

  it("reads a single short page", async () => {
    const sim = await helpers.start({ campaigns: 1, leadsPerCampaign: 1, engagement: { emailAccounts: 3 } })
    const result = await read(sim, STREAM)
    expect(result.records).toHaveLength(3)
    expect(sim.requests.filter((r) => r.path.endsWith("/email-accounts/"))).toHaveLength(1)
  })

  it("fails rather than loop when the server ignores offset", async () => {
    const sim = await helpers.start({
      campaigns: 1,
      leadsPerCampaign: 1,
      engagement: { emailAccounts: 150, documented: ["email_accounts"] }
    })
    const result = await read(sim, STREAM, { max_retries: 0 })
    expect(result.code).toBe(1)
    // every answer is the whole list of 150: offset 150 gets the same page as 0, and so does a
    // check a million rows further
    expect(sim.requests.filter((r) => r.path.endsWith("/email-accounts/")).map((r) => r.query["offset"])).toEqual([
      "0",
      "150",
      "1000150"
    ])
    expect(errorsOf(result.messages)[0]!.message).toBe(
      "SmartLead sent an unusable response (the API answered the same page as at the previous offset, and again far past the end (it ignores offset); stopping rather than looping) on GET /email-accounts/?offset=150&limit=100"
    )
  })
})
