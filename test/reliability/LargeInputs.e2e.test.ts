/**
 * Unusual lead data delivered intact: 200 custom fields, 10 kB strings, non-ASCII names and
 * emails (emoji, CJK, RTL, combining marks, control characters, lone surrogates), and null
 * wherever a value can be missing. Each record must deep-equal what the API served, field by
 * field, in both response shapes.
 */
import { describe, expect, it } from "vitest"
import { SmartLeadSource } from "../../src/smartlead/Source.js"
import { lastState, recordsOf } from "../helpers/Connector.js"
import { assertNoBareStackTrace, entries, expectInstantWithin, setup, timed } from "../helpers/Reads.js"
import type { Shape, SimLead, Simulator } from "../simulator/Simulator.js"
import { toDocumentedLead, toRealRow } from "../simulator/Simulator.js"

/** The leads schema's declared fields: every record has them all (null where the API sent none). */
const DECLARED = Object.keys(
  SmartLeadSource.streams.find((stream) => stream.name === "leads")!.jsonSchema["properties"] as object
)

const { readLeads, start } = setup()

const big = (seed: string, bytes: number) => {
  let s = ""
  while (s.length < bytes) s += `${seed}·${s.length}|`
  return s.slice(0, bytes)
}

const UNICODE = {
  emoji: "👩🏽‍💻 Zoë 🚀🇺🇦",
  cjk: "山田太郎 株式会社テスト 北京科技有限公司",
  rtl: "مرحبا بالعالم שלום עולם",
  combining: "e\u0301 n\u0303 a\u030a",
  controls: "tab\there\nnewline\r\ncr \u0000 nul \u001f unit \u2028 ls \u2029 ps \u200b zwsp \ufeff bom",
  surrogate: "lone \ud83d high and \ude00 low",
  quotes: `"double" 'single' \\backslash\\ </script> {"json":true}`
}

/** 200 custom fields: strings of every kind, 10 kB strings, numbers, booleans, nulls, nested objects and arrays. */
const customFields = (): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  for (let i = 0; i < 200; i++) {
    const key = i % 25 === 0 ? `champ_${i}_é_字段_حقل_🔑` : `field_${String(i).padStart(3, "0")}`
    switch (i % 10) {
      case 0:
        fields[key] = big(`custom ${i} ${UNICODE.cjk}`, 10_240)
        break
      case 1:
        fields[key] = null
        break
      case 2:
        fields[key] = Object.values(UNICODE)[i % 7]
        break
      case 3:
        fields[key] = i * 1.5 - 100
        break
      case 4:
        fields[key] = i % 20 === 4
        break
      case 5:
        fields[key] = ""
        break
      case 6:
        fields[key] = { nested: { deeper: [i, null, "x", { k: UNICODE.rtl }] }, empty: {} }
        break
      case 7:
        fields[key] = [null, [], [1, [2, [3]]], UNICODE.emoji]
        break
      case 8:
        fields[key] = Number.MAX_SAFE_INTEGER - i
        break
      default:
        fields[key] = `value ${i}`
    }
  }
  Object.defineProperty(fields, "__proto__", {
    value: { polluted: true },
    enumerable: true,
    writable: true,
    configurable: true
  })
  fields["constructor"] = "not a function"
  return fields
}

/** The record the connector must make of a lead as served in a shape. */
const expectedRecord = (lead: SimLead, shape: "real" | "documented"): Record<string, unknown> => {
  if (shape === "documented") {
    return JSON.parse(JSON.stringify({ campaign_id: lead.campaignId, ...toDocumentedLead(lead) }))
  }
  const row = JSON.parse(JSON.stringify(toRealRow(lead))) as Record<string, unknown>
  const { lead: inner, lead_category_id, ...rest } = row as { lead: Record<string, unknown>; lead_category_id: unknown }
  return { campaign_id: lead.campaignId, ...inner, ...rest, category_id: lead_category_id }
}

const decorate = (sim: Simulator) => {
  const [a, b] = sim.campaignIds as [number, number]
  // a: one lead with everything big and unusual, one with null everywhere a value can be missing
  const [rich, empty, emails] = sim.leads(a) as [SimLead, SimLead, SimLead]
  rich.customFields = customFields()
  rich.firstName = UNICODE.emoji
  rich.lastName = UNICODE.cjk
  rich.companyName = UNICODE.rtl
  rich.location = UNICODE.controls
  rich.website = `https://例子.测试/${big("path", 2000)}`
  rich.email = "zoë.山田+tag@exämple.中国"
  rich.extra = {
    notes: big(UNICODE.quotes, 10_240),
    score: -0,
    weird_key_ü: UNICODE.surrogate,
    nested_extra: { a: [null] }
  }
  empty.firstName = null
  empty.lastName = null
  empty.companyName = null
  empty.phoneNumber = null
  empty.website = null
  empty.location = null
  empty.linkedinProfile = null
  empty.companyUrl = null
  empty.categoryId = null
  empty.categoryName = null
  empty.lastSentTime = null
  empty.customFields = null
  empty.unsubscribedClientIdMap = null
  ;(empty as { email: string | null }).email = null
  ;(empty as { status: string | null }).status = null
  ;(empty as { emailStats: unknown }).emailStats = {}
  emails.email = "مستخدم@مثال.شبكة"
  emails.firstName = UNICODE.combining
  emails.lastName = UNICODE.surrogate
  emails.customFields = { "": "empty key", " ": "space key", "a.b": "dotted", "a/b": "slashed" }
  // b: many leads with 10 kB strings, so that pages are large
  for (const [i, lead] of sim.leads(b).entries()) {
    lead.customFields = { bio: big(`lead ${i} ${UNICODE.emoji}`, 10_240), index: i }
  }
}

describe("large and unusual lead data is delivered intact", () => {
  for (const shape of ["real", "documented"] as const satisfies ReadonlyArray<Shape>) {
    it(`every field of every lead deep-equals what the API served (${shape} shape)`, async () => {
      const sim = await start({ campaigns: 2, leadsPerCampaign: [5, 60], shape })
      decorate(sim)
      const result = await readLeads(sim, { page_size: 25 })
      expect(result.code).toBe(0)
      assertNoBareStackTrace(result)
      const records = recordsOf(result.messages, "leads")
      expect(records).toHaveLength(65)
      const byKey = new Map(records.map((r) => [`${r["campaign_id"]}:${r["id"]}`, r]))
      for (const lead of sim.leads()) {
        const record = byKey.get(`${lead.campaignId}:${lead.id}`)
        expect(record, `lead ${lead.id}`).toBeDefined()
        const expected = expectedRecord(lead, shape)
        // the real shape has no category_name; the connector may derive it from category_id (then it must be right)
        const derived = shape === "real" && "category_name" in record! ? ["category_name"] : []
        if (derived.length > 0) {
          expect(record!["category_name"], `derived category_name of lead ${lead.id}`).toBe(lead.categoryName)
        }
        expect(Object.keys(record!).sort(), `fields of lead ${lead.id}`).toEqual(
          Array.from(new Set([...Object.keys(expected), ...derived, ...DECLARED])).sort()
        )
        for (const [field, value] of Object.entries(expected)) {
          expect(record![field], `lead ${lead.id} field ${field}`).toEqual(value)
        }
        for (const field of DECLARED.filter((name) => !(name in expected) && !derived.includes(name))) {
          expect(record![field], `lead ${lead.id} field ${field} (declared, not served)`).toBeNull()
        }
      }
      // the unusual values survived byte for byte
      const rich = byKey.get(`${sim.campaignIds[0]}:${sim.leads(sim.campaignIds[0])[0]!.id}`)!
      const custom = rich["custom_fields"] as Record<string, unknown>
      expect(Object.keys(custom)).toHaveLength(202)
      expect(Object.prototype.hasOwnProperty.call(custom, "__proto__")).toBe(true)
      expect(custom["field_010"]).toHaveLength(10_240)
      expect(rich["first_name"]).toBe(UNICODE.emoji)
      expect(rich["email"]).toBe("zoë.山田+tag@exämple.中国")
    })
  }

  it("a lead whose created_at is null is delivered and does not move or break the cursor", async () => {
    const sim = await start({ campaigns: 1, leadsPerCampaign: 6, shape: "real" })
    const id = sim.campaignIds[0]!
    const leads = sim.leads(id)
    const newest = leads.at(-1)!.createdAt
    ;(leads[2] as { createdAt: string | null }).createdAt = null
    const { result, startedAt, endedAt } = await timed(() => readLeads(sim, { page_size: 4 }))
    expect(result.code).toBe(0)
    const records = recordsOf(result.messages, "leads")
    expect(records.map((r) => r["id"]).sort()).toEqual(leads.map((l) => l.id).sort())
    expect(records.find((r) => r["id"] === leads[2]!.id)!["created_at"]).toBeNull()
    const state = entries(lastState(result.messages, "leads"))
    const syncStart = expectInstantWithin(state.campaigns[id]?.reconciled_at, startedAt, endedAt, "reconciled_at")
    expect(state.campaigns[id]).toEqual({
      created_at: newest,
      reconciled_at: syncStart,
      activity_at: syncStart
    })
    expect(state.created_at).toBe(newest)
  })
})
