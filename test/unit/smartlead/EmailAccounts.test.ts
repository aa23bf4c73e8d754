/**
 * The `email_accounts` decoder: credentials dropped before anything else, counts typed, the
 * documented example read, broken bodies refused by name without quoting a value.
 */
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { decodeEmailAccountsPage } from "../../../src/smartlead/models/EmailAccounts.js"

/** SmartLead's documented example (api-reference/email-accounts/get-all), credentials made distinctive. */
const documented = () => [{
  id: 123,
  created_at: "2025-01-15T10:30:00.000Z",
  updated_at: "2025-11-26T08:00:00.000Z",
  user_id: 456,
  from_name: "John Doe",
  from_email: "john@example.com",
  minTimeToWaitInMins: 5,
  username: "john@example.com",
  password: "DOC-PASSWORD-1",
  smtp_host: "smtp.gmail.com",
  smtp_port: 587,
  smtp_port_type: "TLS",
  message_per_day: 50,
  different_reply_to_address: null,
  is_different_imap_account: false,
  imap_username: "john@example.com",
  imap_password: "DOC-IMAP-PASSWORD-1",
  imap_host: "imap.gmail.com",
  imap_port: 993,
  imap_port_type: "SSL",
  signature: "<p>Best regards,<br>John</p>",
  custom_tracking_domain: null,
  bcc_email: null,
  is_smtp_success: true,
  is_imap_success: true,
  smtp_failure_error: null,
  imap_failure_error: null,
  type: "GMAIL",
  daily_sent_count: 25,
  client_id: null,
  campaign_count: 3,
  warmup_details: {
    status: "ACTIVE",
    total_sent_count: 450,
    total_spam_count: 2,
    warmup_reputation: "95%",
    warmup_key_id: 789,
    warmup_created_at: "2025-01-15T10:30:00.000Z",
    reply_rate: 15,
    blocked_reason: null
  }
}]
const left = (either: Either.Either<unknown, string>): string => Either.match(either, { onLeft: (l) => l, onRight: () => "(decoded)" })

describe("decodeEmailAccountsPage", () => {
  it("reads the documented example without its passwords", () => {
    const [record] = Either.getOrThrow(decodeEmailAccountsPage(documented()))
    const { imap_password: _i, password: _p, ...rest } = documented()[0]!
    expect(record).toEqual(rest)
  })

  it("types string counts and drops nested credentials", () => {
    const live = {
      id: "3120400",
      message_per_day: "50",
      daily_sent_count: "",
      smtp_password: "LIVE-SMTP-PASSWORD",
      oauth: { access_token: "LIVE-TOKEN" },
      warmup_details: { total_sent_count: "450", reply_rate: "12.5", is_warmup_blocked: "false", warmup_reputation: 95, provider: { ClientSecret: "LIVE-SECRET" } },
      tags: [{ id: 11, name: "primary" }]
    }
    const [record] = Either.getOrThrow(decodeEmailAccountsPage([live]))
    expect(record).toEqual({
      id: 3120400,
      message_per_day: 50,
      daily_sent_count: null,
      oauth: {},
      warmup_details: { total_sent_count: 450, reply_rate: 12.5, is_warmup_blocked: false, warmup_reputation: "95", provider: {} },
      tags: [{ id: 11, name: "primary" }]
    })
    expect(JSON.stringify(record)).not.toMatch(/LIVE-/)
  })

  it("names what is wrong without quoting any value", () => {
    const cases: Array<[unknown, string]> = [
      [{ data: [{ password: "X-PASSWORD" }] }, "expected a JSON array of email accounts, got an object with keys data"],
      [{ password: "X-PASSWORD" }, "expected a JSON array of email accounts, got an object with keys none"],
      ["X-PASSWORD", "expected a JSON array of email accounts, got a string"],
      [[{ id: 1 }, "X-PASSWORD"], "email account 1 is a string, not an object"],
      [[{ password: "X-PASSWORD", from_email: "a@b" }], "email account 0 has no id"],
      [[{ id: 1, message_per_day: "X-PASSWORD" }], "email account 0: message_per_day must be a whole number, got a string"],
      [[{ id: 1, warmup_details: { total_sent_count: { secret: "X-PASSWORD" } } }], "email account 0: warmup_details.total_sent_count must be a whole number, got an object"]
    ]
    for (const [body, message] of cases) {
      const problem = left(decodeEmailAccountsPage(body))
      expect(problem).toBe(message)
      expect(problem).not.toContain("X-PASSWORD")
    }
  })
})
