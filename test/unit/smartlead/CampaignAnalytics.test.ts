/** The `campaign_analytics` decoder: live objects become typed records; the documented shape and broken bodies are refused by name. */
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { decodeCampaignAnalytics } from "../../../src/smartlead/models/CampaignAnalytics.js"

const live = () => ({
  id: 2710262,
  user_id: 196026,
  created_at: "2025-11-25T10:43:46.826Z",
  status: "ACTIVE",
  name: "Cold Outreach Q1 2024",
  sent_count: "1240",
  unique_sent_count: "1100",
  open_count: "372",
  unique_open_count: "300",
  click_count: "89",
  unique_click_count: "80",
  reply_count: "23",
  bounce_count: "18",
  block_count: "0",
  unsubscribed_count: "4",
  total_count: "1500",
  drafted_count: "0",
  sequence_count: "3",
  campaign_lead_stats: { total: 1500, notStarted: "260", inprogress: 900, completed: 300, paused: 10, stopped: 20, blocked: 10, interested: "12", revenue: "1250.50" },
  client_id: null,
  tags: [{ tag_id: 1 }]
})
const left = (either: Either.Either<unknown, string>): string => Either.match(either, { onLeft: (l) => l, onRight: () => "(decoded)" })

describe("decodeCampaignAnalytics", () => {
  it("makes every count a number and adds campaign_id", () => {
    const record = Either.getOrThrow(decodeCampaignAnalytics(live(), 2710262))
    expect(record).toEqual({
      ...live(),
      campaign_id: 2710262,
      sent_count: 1240,
      unique_sent_count: 1100,
      open_count: 372,
      unique_open_count: 300,
      click_count: 89,
      unique_click_count: 80,
      reply_count: 23,
      bounce_count: 18,
      block_count: 0,
      unsubscribed_count: 4,
      total_count: 1500,
      drafted_count: 0,
      sequence_count: 3,
      campaign_lead_stats: { total: 1500, notStarted: 260, inprogress: 900, completed: 300, paused: 10, stopped: 20, blocked: 10, interested: 12, revenue: 1250.5 }
    })
  })

  it("refuses SmartLead's documented shape", () => {
    const documented = { campaign_id: 123, campaign_name: "Q1 Outreach", total_sent: 1000, total_opened: 450, total_clicked: 120, total_replied: 85, open_rate: 45.0 }
    expect(left(decodeCampaignAnalytics(documented, 123))).toBe(
      "this is SmartLead's documented analytics shape (keys campaign_id, campaign_name, total_sent, total_opened, total_clicked, total_replied, …); the live API answers id, name, sent_count, open_count, …"
    )
  })

  it("names what is wrong in a broken body", () => {
    expect(left(decodeCampaignAnalytics([live()], 1))).toBe("expected a campaign analytics object, got an array")
    expect(left(decodeCampaignAnalytics({}, 1))).toBe("campaign analytics need sent_count; got {}")
    expect(left(decodeCampaignAnalytics({ ...live(), reply_count: "n/a" }, 1))).toBe("reply_count must be a whole number, got a string")
    expect(left(decodeCampaignAnalytics({ ...live(), campaign_lead_stats: { total: 1.5 } }, 1))).toBe("campaign_lead_stats.total must be a whole number, got 1.5")
    expect(left(decodeCampaignAnalytics({ ...live(), campaign_lead_stats: [1] }, 1))).toBe("campaign_lead_stats must be an object, got an array")
  })
})
