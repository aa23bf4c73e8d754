/**
 * The `campaign_statistics` decoder, the sent_time_start_date query and the per-campaign pager,
 * without the network: live pages become typed records; SmartLead's documented shapes and broken
 * bodies are refused naming what is wrong; pages stop at a short page or the total and never loop.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeStatisticsPage } from "../../../src/smartlead/models/CampaignStatistics.js"
import { CURSOR_FIELD, formatStartDate } from "../../../src/smartlead/streams/CampaignStatistics.js"

const liveRow = (overrides: Record<string, unknown> = {}) => ({
  stats_id: 48213001,
  lead_name: "Ana García",
  lead_email: "ana@example.com",
  lead_category: null,
  sequence_number: "2",
  email_campaign_seq_id: 7340002,
  seq_variant_id: null,
  email_subject: "Re: Quick question",
  email_message: "<html>…</html>",
  sent_time: "2025-01-03T10:00:00.000Z",
  open_time: "2025-01-03 11:02:03.000Z",
  click_time: null,
  reply_time: "",
  open_count: "3",
  click_count: 0,
  is_unsubscribed: false,
  is_bounced: "false",
  lead_id: 2995276770,
  ...overrides
})

const page = (rows: ReadonlyArray<unknown>, total: unknown = String(rows.length)) => ({ total_stats: total, offset: 0, limit: 100, data: rows })
const left = <A>(either: Either.Either<A, string>): string => Either.match(either, { onLeft: (l) => l, onRight: () => "(decoded)" })

describe("decodeStatisticsPage", () => {
  it("makes a live row a typed record with campaign_id, and leaves the body out by default", () => {
    const decoded = Either.getOrThrow(decodeStatisticsPage(page([liveRow()], "42"), 2710262, false))
    expect(decoded.total).toBe(42)
    expect(decoded.rows).toEqual([{
      stats_id: "48213001",
      campaign_id: 2710262,
      lead_name: "Ana García",
      lead_email: "ana@example.com",
      lead_category: null,
      sequence_number: 2,
      email_campaign_seq_id: 7340002,
      seq_variant_id: null,
      email_subject: "Re: Quick question",
      sent_time: "2025-01-03T10:00:00.000Z",
      open_time: "2025-01-03T11:02:03.000Z",
      click_time: null,
      reply_time: null,
      open_count: 3,
      click_count: 0,
      is_unsubscribed: false,
      is_bounced: false,
      lead_id: 2995276770
    }])
    expect(JSON.stringify(decoded.rows)).not.toContain("email_message")
  })

  it("keeps email_message when asked, and string stats_ids as they are", () => {
    const decoded = Either.getOrThrow(decodeStatisticsPage(page([liveRow({ stats_id: "5f2c0e1a-77b0-4c2e-9d1f-0a1b2c3d4e5f" })]), 1, true))
    expect(decoded.rows[0]).toMatchObject({ stats_id: "5f2c0e1a-77b0-4c2e-9d1f-0a1b2c3d4e5f", email_message: "<html>…</html>" })
  })

  it("accepts an empty page and a null total", () => {
    expect(Either.getOrThrow(decodeStatisticsPage(page([], "0"), 1, false))).toEqual({ rows: [], total: 0 })
    expect(Either.getOrThrow(decodeStatisticsPage(page([liveRow()], null), 1, false)).total).toBeUndefined()
  })

  it("refuses the documented per-step summary, with or without rows", () => {
    const documented = { ok: true, data: [{ campaign_id: 123, sequence_number: 1, sent: 1240, opened: 372, clicked: 89, replied: 23 }], offset: 0, limit: 100 }
    expect(left(decodeStatisticsPage(documented, 1, false))).toMatch(/^no total_stats: this is SmartLead's documented per-step summary \(keys ok, data, offset, limit\)/)
    expect(left(decodeStatisticsPage({ ok: true, data: [], offset: 0, limit: 100 }, 1, false))).toMatch(/documented per-step summary/)
    expect(left(decodeStatisticsPage({ total_stats: "1", data: documented.data }, 1, false))).toBe(
      "row 0 has no stats_id (it is a documented per-step summary row with sent, opened, …, not an email)"
    )
  })

  it("refuses the documented campaign summary", () => {
    const documented = { success: true, data: { campaign_id: 123, total_leads: 5240, contacted: 4128, opened: 1236 } }
    expect(left(decodeStatisticsPage(documented, 1, false))).toMatch(/^data is an object \(keys campaign_id, total_leads, contacted, opened\), SmartLead's documented campaign summary/)
  })

  it("names what is wrong in a broken body", () => {
    expect(left(decodeStatisticsPage([], 1, false))).toBe("expected a statistics page {total_stats, offset, limit, data:[…]}, got an array")
    expect(left(decodeStatisticsPage({}, 1, false))).toBe("a statistics page needs a data array; got {}")
    expect(left(decodeStatisticsPage(page([liveRow()], "many"), 1, false))).toBe("total_stats must be a whole number, got a string")
    expect(left(decodeStatisticsPage(page([liveRow(), "x"]), 1, false))).toBe("row 1 is a string, not an object")
    expect(left(decodeStatisticsPage(page([liveRow({ stats_id: null })]), 1, false))).toBe("row 0 has no stats_id")
    expect(left(decodeStatisticsPage(page([liveRow({ stats_id: { id: 1 } })]), 1, false))).toBe("row 0: stats_id must be a string or a number, got an object")
    expect(left(decodeStatisticsPage(page([liveRow({ open_count: "3.5" })]), 1, false))).toBe("row 0: open_count must be a whole number, got a string")
    expect(left(decodeStatisticsPage(page([liveRow({ sent_time: "yesterday" })]), 1, false))).toBe("row 0: sent_time must be an ISO 8601 date-time, got a string")
    expect(left(decodeStatisticsPage(page([liveRow({ is_bounced: "maybe" })]), 1, false))).toBe("row 0: is_bounced must be true or false, got a string")
  })
})

describe("sent_time_start_date", () => {
  it("is written in the backend's format, cursor less the lookback", () => {
    expect(formatStartDate(Date.parse("2023-10-16T10:33:02Z"))).toBe("2023-10-16 10:33:02.000Z")
    expect(formatStartDate(Date.parse("2025-03-20T08:15:30.123Z") - 14 * 86_400_000)).toBe("2025-03-06 08:15:30.123Z")
    expect(formatStartDate(Date.parse("2025-03-20T08:15:30.123+02:00"))).toBe("2025-03-20 06:15:30.123Z")
    expect(CURSOR_FIELD).toBe("sent_time")
  })
})
