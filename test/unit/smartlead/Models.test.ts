/**
 * The SmartLead response decoders on real sample bodies (test/fixtures/smartlead): both leads page
 * shapes become the same flat record, ids arrive as numbers whatever the API sent, bad bodies are
 * a Left naming what is wrong, and the records fit the schemas `discover` announces.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import {
  CampaignRecord,
  decodeLeadsPage,
  decodeObjectArray,
  LeadCategoryRecord,
  LeadRecord
} from "../../../src/smartlead/Models.js"

/** A fixture body, parsed afresh (the decoders work in place). */
const sample = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/smartlead/${file}`, import.meta.url), "utf8"))

const REAL = "official-docs_leads-get-by-campaign__00_200-success.json"
const DOCUMENTED = "official-docs_campaigns-get-leads_LEGACY-SHAPE__00_200-success.json"
const UNAUTHORIZED = "official-docs_leads-get-by-campaign__01_401-unauthorized.json"
const CATEGORIES = "official-docs_leads-fetch-categories__00_200-success.json"
const CAMPAIGNS = [
  "official-docs_campaigns-get-all__00_response-actual-from-api-direct-array.json",
  "amp-labs_read-campaign.json"
]

const right = <A>(result: Either.Either<A, string>): A => {
  if (Either.isLeft(result)) throw new Error(`expected Right, got Left: ${result.left}`)
  return result.right
}
const left = <A>(result: Either.Either<A, string>): string => {
  if (Either.isRight(result)) throw new Error(`expected Left, got Right: ${JSON.stringify(result.right)}`)
  return result.left
}

describe("decodeLeadsPage", () => {
  it("flattens the real shape: the lead object plus its row's fields, total from a string", () => {
    const page = right(decodeLeadsPage(sample(REAL), 7))
    expect(page.total).toBe(42)
    expect(page.records).toEqual([{
      id: 2995276770,
      campaign_id: 7,
      campaign_lead_map_id: 2433664091,
      category_id: null,
      status: "INPROGRESS",
      created_at: "2025-11-25T12:54:54.000Z",
      first_name: "John",
      last_name: "Doe",
      email: "john@example.com",
      phone_number: "+1234567890",
      company_name: "Acme Corp",
      website: "https://acme.com",
      location: "San Francisco, CA",
      linkedin_profile: "https://linkedin.com/in/johndoe",
      company_url: "https://acme.com",
      custom_fields: { job_title: "CEO", industry: "Technology" },
      is_unsubscribed: false,
      unsubscribed_client_id_map: null
    }])
  })

  it("keeps the documented shape's fields as they are, adding campaign_id", () => {
    const page = right(decodeLeadsPage(sample(DOCUMENTED), 7))
    expect(page.total).toBe(150)
    expect(page.records).toEqual([{
      id: 789,
      campaign_id: 7,
      email: "john@company.com",
      first_name: "John",
      last_name: "Doe",
      company_name: "ACME Corp",
      status: "INPROGRESS",
      category_id: 1,
      category_name: "Interested",
      created_at: "2025-01-15T10:00:00Z",
      last_sent_time: "2025-01-20T09:00:00Z",
      email_stats: { is_opened: true, is_clicked: true, is_replied: true, is_bounced: false },
      custom_fields: { job_title: "CEO", industry: "SaaS" }
    }])
  })

  it("makes the same record of one lead in either shape", () => {
    const lead = { id: 11, email: "a@b.co", first_name: "Ann", custom_fields: { k: "v" } }
    const row = { status: "COMPLETED", lead_category_id: 2, created_at: "2025-03-01T00:00:00.000Z" }
    const real = right(decodeLeadsPage({ total_leads: "1", data: [{ ...row, lead: { ...lead } }] }, 3))
    const documented = right(
      decodeLeadsPage({
        total: 1,
        leads: [{ ...lead, status: "COMPLETED", category_id: 2, created_at: row.created_at }]
      }, 3)
    )
    expect(real.records).toEqual(documented.records)
    expect(real.total).toBe(documented.total)
  })

  it("makes ids, map ids and category ids numbers when they arrive as digit strings", () => {
    const page = right(decodeLeadsPage({
      total_leads: "2",
      data: [
        { campaign_lead_map_id: "2433664091", lead_category_id: "3", lead: { id: "2995276770" } },
        { campaign_lead_map_id: 5, lead_category_id: null, lead: { id: 2995276771 } }
      ]
    }, 1))
    expect(page.records.map((r) => [r["id"], r["campaign_lead_map_id"], r["category_id"]])).toEqual([
      [2995276770, 2433664091, 3],
      [2995276771, 5, null]
    ])
    const documented = right(decodeLeadsPage({ total: "1", leads: [{ id: "-4", category_id: "12" }] }, 1))
    expect(documented.records[0]).toMatchObject({ id: -4, category_id: 12 })
    expect(documented.total).toBe(1)
  })

  it("keeps an id that is not a safe integer, or not digits, as the string it was", () => {
    const page = right(decodeLeadsPage({ leads: [{ id: "98765432109876543210" }, { id: "abc" }, { id: "1.5" }] }, 1))
    expect(page.records.map((r) => r["id"])).toEqual(["98765432109876543210", "abc", "1.5"])
  })

  it("keeps a lead's field that a row field of the same name overrides, as lead_<name>", () => {
    const page = right(decodeLeadsPage({
      data: [{ id: 900, status: "PAUSED", lead: { id: 5, status: "STARTED", email: "x@y.z" } }]
    }, 1))
    expect(page.records[0]).toEqual({
      id: 5,
      row_id: 900,
      status: "PAUSED",
      lead_status: "STARTED",
      email: "x@y.z",
      campaign_id: 1
    })
  })

  it("has no total when the body's is missing, negative or not a number", () => {
    for (const total of [undefined, -1, "-1", "many", null, {}]) {
      expect(right(decodeLeadsPage({ total, leads: [] }, 1)).total, JSON.stringify(total)).toBeUndefined()
    }
    expect(right(decodeLeadsPage({ total: 0, leads: [] }, 1))).toEqual({ total: 0, records: [] })
  })

  it("prefers data over leads when a body has both", () => {
    const page = right(decodeLeadsPage({ data: [{ lead: { id: 1 } }], leads: [{ id: 2 }] }, 1))
    expect(page.records.map((r) => r["id"])).toEqual([1])
  })

  describe("bad bodies are a Left naming what is wrong", () => {
    const cases: ReadonlyArray<readonly [string, unknown, string]> = [
      ["an array", [{ id: 1 }], "expected a JSON object, got an array"],
      ["a string", "<html>Bad Gateway</html>", "expected a JSON object, got string"],
      ["a number", 42, "expected a JSON object, got number"],
      ["an empty object", {}, "a leads page needs a data or leads array; got {}"],
      [
        "data not an array",
        { data: { lead: { id: 1 } }, total_leads: "1" },
        "a leads page needs a data or leads array; got keys data, total_leads"
      ],
      ["a row that is not an object", { data: [{ lead: { id: 1 } }, "x"] }, "row 1 is not an object"],
      ["a null row", { leads: [null] }, "row 0 is not an object"],
      ["a real row with no lead object", { data: [{ id: 1, lead: "nope" }] }, "row 0: a row has no lead object"],
      ["a real lead with no id", { data: [{ lead: { email: "a@b.co" } }] }, "row 0: a lead has no id"],
      ["a documented lead with a null id", { leads: [{ id: 1 }, { id: null }] }, "row 1: a lead has no id"]
    ]
    for (const [name, body, reason] of cases) {
      it(name, () => {
        expect(left(decodeLeadsPage(body, 1))).toBe(reason)
      })
    }

    it("the 401 body SmartLead sends", () => {
      expect(left(decodeLeadsPage(sample(UNAUTHORIZED), 1))).toBe(
        "a leads page needs a data or leads array; got keys message"
      )
    })
  })

  it("gives records the discovered leads schema accepts, in both shapes", () => {
    for (const file of [REAL, DOCUMENTED]) {
      for (const record of right(decodeLeadsPage(sample(file), 7)).records) {
        const decoded = Schema.decodeUnknownEither(LeadRecord)(record)
        expect(Either.isRight(decoded), `${file}: ${Either.isLeft(decoded) ? decoded.left.message : ""}`).toBe(true)
      }
    }
  })
})

describe("decodeObjectArray", () => {
  it("decodes the lead categories sample", () => {
    const categories = right(decodeObjectArray(sample(CATEGORIES), "lead category"))
    expect(categories.map((c) => [c["id"], c["name"]])).toEqual([
      [1, "Interested"],
      [2, "Not Interested"],
      [3, "Meeting Booked"],
      [789, "Follow Up Later"]
    ])
    for (const category of categories) expect(Schema.is(LeadCategoryRecord)(category)).toBe(true)
  })

  it("decodes both campaigns samples into records the campaigns schema accepts", () => {
    const ids = CAMPAIGNS.map((file) => {
      const campaigns = right(decodeObjectArray(sample(file), "campaign"))
      for (const campaign of campaigns) {
        const decoded = Schema.decodeUnknownEither(CampaignRecord)(campaign)
        expect(Either.isRight(decoded), `${file}: ${Either.isLeft(decoded) ? decoded.left.message : ""}`).toBe(true)
      }
      return campaigns.map((c) => c["id"])
    })
    expect(ids).toEqual([[2710262], [549768, 549772, 549773]])
  })

  it("makes digit-string ids numbers and leaves other fields alone", () => {
    expect(right(decodeObjectArray([{ id: "12", name: "007" }, { id: 3 }], "campaign"))).toEqual([{
      id: 12,
      name: "007"
    }, { id: 3 }])
  })

  it("answers a bad body with a Left naming what is wrong", () => {
    expect(left(decodeObjectArray(sample(UNAUTHORIZED), "campaign"))).toBe(
      "expected a JSON array of campaign, got an object with keys message"
    )
    expect(left(decodeObjectArray({}, "campaign"))).toBe(
      "expected a JSON array of campaign, got an object with keys none"
    )
    expect(left(decodeObjectArray("oops", "campaign"))).toBe("expected a JSON array of campaign, got a string")
    expect(left(decodeObjectArray([{ id: 1 }, 2], "lead category"))).toBe("lead category 1 is not an object")
    expect(left(decodeObjectArray([{ id: 1 }, [3]], "lead category"))).toBe("lead category 1 is not an object")
    expect(left(decodeObjectArray([{ name: "x" }], "campaign"))).toBe("campaign 0 has no id")
    expect(left(decodeObjectArray([{ id: null }], "campaign"))).toBe("campaign 0 has no id")
  })
})
