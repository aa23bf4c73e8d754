/** The `campaign_sequences` decoder: live steps become typed records, `seq_variants` is read as `sequence_variants`, broken bodies are refused by name. */
import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { decodeCampaignSequences } from "../../../src/smartlead/models/CampaignSequences.js"

const variant = { id: "912011", variant_label: "A", subject: "Hi", email_body: "<p>A</p>", variant_distribution_percentage: 50, is_deleted: false }
const step = (overrides: Record<string, unknown> = {}) => ({
  id: 7340001,
  created_at: "2025-01-01 08:00:00",
  updated_at: "2025-01-02T08:00:00.000Z",
  email_campaign_id: "2710262",
  seq_number: "1",
  subject: "Quick question",
  email_body: "<p>Hi</p>",
  seq_delay_details: { delayInDays: "3" },
  sequence_variants: [variant],
  ...overrides
})
const left = (either: Either.Either<unknown, string>): string => Either.match(either, { onLeft: (l) => l, onRight: () => "(decoded)" })

describe("decodeCampaignSequences", () => {
  it("types the steps and their variants and adds campaign_id", () => {
    expect(Either.getOrThrow(decodeCampaignSequences([step()], 2710262))).toEqual([{
      ...step(),
      campaign_id: 2710262,
      created_at: "2025-01-01T08:00:00Z",
      email_campaign_id: 2710262,
      seq_number: 1,
      seq_delay_details: { delayInDays: 3 },
      sequence_variants: [{ ...variant, id: 912011 }]
    }])
  })

  it("reads seq_variants as sequence_variants, and steps without variants", () => {
    const { sequence_variants: _, ...aliased } = { ...step(), seq_variants: [variant] }
    const [a, b] = Either.getOrThrow(decodeCampaignSequences([aliased, step({ sequence_variants: null })], 1))
    expect(a!["sequence_variants"]).toEqual([{ ...variant, id: 912011 }])
    expect(a).not.toHaveProperty("seq_variants")
    expect(b!["sequence_variants"]).toBeNull()
  })

  it("reads the documented steps (delay_in_days, no variants) as they are", () => {
    const documented = [{ id: 1, seq_number: 1, subject: "Hi", email_body: "<p>Hi</p>", seq_delay_details: { delay_in_days: 0 } }]
    expect(Either.getOrThrow(decodeCampaignSequences(documented, 9))).toEqual([{ ...documented[0], campaign_id: 9 }])
  })

  it("names what is wrong in a broken body", () => {
    expect(left(decodeCampaignSequences({ ok: true, data: [] }, 1))).toBe("expected a JSON array of sequence steps, got an object with keys ok, data")
    expect(left(decodeCampaignSequences("[]", 1))).toBe("expected a JSON array of sequence steps, got a string")
    expect(left(decodeCampaignSequences([step(), 3], 1))).toBe("step 1 is 3, not an object")
    expect(left(decodeCampaignSequences([step({ id: null })], 1))).toBe("step 0 has no id")
    expect(left(decodeCampaignSequences([step({ sequence_variants: [{ id: "x" }] })], 1))).toBe("step 0: sequence_variants[0].id must be a whole number, got a string")
    expect(left(decodeCampaignSequences([step({ seq_delay_details: "3 days" })], 1))).toBe("step 0: seq_delay_details must be an object, got a string")
  })
})
