/**
 * Every field SmartLead sends is declared: each real-shaped sample body of every endpoint
 * (test/fixtures/smartlead, README.md there says where each comes from) is decoded as its stream
 * decodes it, and every key of every record, at every depth where the schema declares the nested
 * object's fields, must be declared in the stream's discovered schema. Credentials are the one
 * exception, and they must be gone from the record. Consumers that keep only declared fields
 * (singer-python's transformer, the Meltano SDK) would otherwise drop them. Also: no discovered
 * schema holds an empty `properties` object (the SDK's flattening drops every value of one).
 */
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import type { JsonObject } from "../../../src/airbyte/Protocol.js"
import { isCredentialKey } from "../../../src/smartlead/Credentials.js"
import { decodeLeadsPage, decodeObjectArray } from "../../../src/smartlead/Models.js"
import { decodeCampaignAnalytics } from "../../../src/smartlead/models/CampaignAnalytics.js"
import { decodeCampaignSequences } from "../../../src/smartlead/models/CampaignSequences.js"
import { decodeStatisticsPage } from "../../../src/smartlead/models/CampaignStatistics.js"
import { decodeEmailAccountsPage } from "../../../src/smartlead/models/EmailAccounts.js"
import { SmartLeadSource } from "../../../src/smartlead/Source.js"

const fixture = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/smartlead/${file}`, import.meta.url), "utf8"))

const CAMPAIGN = 2710262

const unwrap = (decoded: Either.Either<unknown, string>): Array<JsonObject> => {
  if (Either.isLeft(decoded)) throw new Error(decoded.left)
  const value = decoded.right
  if (Array.isArray(value)) return value as Array<JsonObject>
  const page = value as { records?: Array<JsonObject>; rows?: Array<JsonObject> }
  return page.records ?? page.rows ?? [value as JsonObject]
}

/** Each stream's sample bodies, decoded as the stream decodes them. */
const SAMPLES: Record<string, ReadonlyArray<readonly [file: string, decode: (body: unknown) => Array<JsonObject>]>> = {
  leads: [
    ["official-docs_leads-get-by-campaign__00_200-success.json", (b) => unwrap(decodeLeadsPage(b, CAMPAIGN))],
    ["official-docs_campaigns-get-leads_LEGACY-SHAPE__00_200-success.json", (b) => unwrap(decodeLeadsPage(b, CAMPAIGN))]
  ],
  campaigns: [
    [
      "official-docs_campaigns-get-all__00_response-actual-from-api-direct-array.json",
      (b) => unwrap(decodeObjectArray(b, "campaign"))
    ],
    ["amp-labs_read-campaign.json", (b) => unwrap(decodeObjectArray(b, "campaign"))]
  ],
  lead_categories: [
    ["official-docs_leads-fetch-categories__00_200-success.json", (b) => unwrap(decodeObjectArray(b, "category"))]
  ],
  campaign_statistics: [
    ["real-shape_campaign-statistics.json", (b) => unwrap(decodeStatisticsPage(b, CAMPAIGN, true))]
  ],
  campaign_analytics: [
    ["real-shape_campaign-analytics.json", (b) => unwrap(decodeCampaignAnalytics(b, CAMPAIGN))]
  ],
  campaign_sequences: [
    ["real-shape_campaign-sequences.json", (b) => unwrap(decodeCampaignSequences(b, CAMPAIGN))],
    ["openapi-shape_campaign-sequences.json", (b) => unwrap(decodeCampaignSequences(b, CAMPAIGN))]
  ],
  email_accounts: [
    ["official-docs_email-accounts-get-all__00_200-success.json", (b) => unwrap(decodeEmailAccountsPage(b))],
    ["real-shape_email-accounts.json", (b) => unwrap(decodeEmailAccountsPage(b))]
  ]
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The paths of `value`'s keys that `schema` does not declare, descending into nested objects and
 * arrays of objects wherever the schema declares their fields (a free-form object has no
 * `properties`: anything goes inside it). Credential keys are reported too: they must be gone.
 */
const undeclared = (schema: unknown, value: unknown, path: string): Array<string> => {
  if (!isObject(schema)) return [`${path}: no schema`]
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => undeclared(schema["items"], item, `${path}[${index}]`))
  }
  if (!isObject(value) || !isObject(schema["properties"])) return []
  const properties = schema["properties"]
  return Object.entries(value).flatMap(([key, item]) => {
    const at = path === "" ? key : `${path}.${key}`
    if (item === undefined) return []
    if (isCredentialKey(key)) return [`${at}: a credential`]
    if (!Object.hasOwn(properties, key)) return [at]
    return undeclared(properties[key], item, at)
  })
}

const schemaOf = (name: string) => {
  const stream = SmartLeadSource.streams.find((s) => s.name === name)
  if (stream === undefined) throw new Error(`no stream ${name}`)
  return stream.jsonSchema
}

describe("every field of every sample row is declared in its stream's schema", () => {
  it("every stream has samples", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(SmartLeadSource.streams.map((s) => s.name).sort())
  })

  for (const [stream, samples] of Object.entries(SAMPLES)) {
    for (const [file, decode] of samples) {
      it(`${stream}: ${file}`, () => {
        const rows = decode(fixture(file))
        expect(rows.length).toBeGreaterThan(0)
        expect(rows.flatMap((row) => undeclared(schemaOf(stream), row, ""))).toEqual([])
      })
    }
  }

  it("the email accounts samples had credentials, at the top level and nested, and the records have none", () => {
    const raw = JSON.stringify(fixture("real-shape_email-accounts.json"))
    expect(raw).toMatch(/"password"|"imap_password"/)
    expect(raw).toMatch(/FIXTURE-ACCESS-TOKEN/)
    expect(raw).toMatch(/FIXTURE-CLIENT-SECRET/)
    const records = JSON.stringify(unwrap(decodeEmailAccountsPage(fixture("real-shape_email-accounts.json"))))
    expect(records).not.toMatch(/FIXTURE-/)
    expect(records).toMatch(/"warmup_details":\{[^}]*"provider":\{"name":"warmup-pool"\}/)
  })

  it("the fields issue 21 named are declared, nested ones included", () => {
    const declared = (stream: string, path: ReadonlyArray<string>) => {
      let node: unknown = schemaOf(stream)
      for (const key of path) {
        node = isObject(node) && isObject(node["properties"]) ? node["properties"][key] : undefined
      }
      return isObject(node)
    }
    const missing = [
      ...["lead_id", "ignore_reply"].map((f) => ["campaign_statistics", f]),
      ...["client_name", "client_email", "client_company_name", "send_as_plain_text"].map((f) => [
        "campaign_analytics",
        f
      ]),
      ...[
        "username",
        "smtp_port_type",
        "imap_username",
        "imap_port_type",
        "is_different_imap_account",
        "different_reply_to_address",
        "signature",
        "custom_tracking_domain",
        "bcc_email",
        "oauth",
        "custom_headers",
        "is_suspended",
        "minTimeToWaitInMins",
        "warmup_details.provider"
      ].map((f) => ["email_accounts", f])
    ].filter(([stream, field]) => !declared(stream!, field!.split(".")))
    expect(missing).toEqual([])
  })

  it("the check finds an undeclared key, nested or not, and a credential", () => {
    const schema = schemaOf("email_accounts")
    expect(undeclared(schema, { id: 1, surprise: 1, warmup_details: { odd: 2 }, tags: [{ tag_x: 1 }] }, ""))
      .toEqual(["surprise", "warmup_details.odd", "tags[0].tag_x"])
    expect(undeclared(schema, { id: 1, smtp_password: "x" }, "")).toEqual(["smtp_password: a credential"])
    // free-form objects take anything
    expect(undeclared(schema, { oauth: { anything: 1 }, custom_headers: [{ any: 2 }] }, "")).toEqual([])
  })

  it("the documented shapes SmartLead's live API does not answer are refused, not read with undeclared fields", () => {
    expect(Either.isLeft(decodeCampaignAnalytics(fixture("official-docs_campaigns-analytics__00_200.json"), 1)))
      .toBe(true)
    for (
      const file of [
        "official-docs_campaigns-statistics_DOUBTFUL__00_200-success.json",
        "official-docs_campaign-statistics-get-by-id_DOUBTFUL__00_200-success.json"
      ]
    ) {
      expect(Either.isLeft(decodeStatisticsPage(fixture(file), 1, false))).toBe(true)
    }
  })
})

describe("free-form objects", () => {
  /** Every path in a schema where `properties` is an empty object. */
  const emptyProperties = (node: unknown, path: string): Array<string> => {
    if (Array.isArray(node)) return node.flatMap((item, index) => emptyProperties(item, `${path}/${index}`))
    if (!isObject(node)) return []
    const here = isObject(node["properties"]) && Object.keys(node["properties"]).length === 0 ? [path] : []
    return [...here, ...Object.entries(node).flatMap(([key, value]) => emptyProperties(value, `${path}/${key}`))]
  }

  it("no discovered schema has an empty properties object", () => {
    expect(SmartLeadSource.streams.flatMap((stream) => emptyProperties(stream.jsonSchema, stream.name))).toEqual([])
    expect(emptyProperties({ properties: { a: { type: "object", properties: {} } } }, "x")).toEqual([
      "x/properties/a"
    ])
  })

  it("free-form objects are their type alone; tags items declare tag_id, tag_name, tag_color", () => {
    const property = (stream: string, field: string) =>
      (schemaOf(stream)["properties"] as Record<string, Record<string, unknown>>)[field]
    for (const field of ["email_stats", "custom_fields", "unsubscribed_client_id_map"]) {
      expect(property("leads", field)).toEqual({ type: ["object", "null"] })
    }
    expect(property("campaigns", "scheduler_cron_value")).toEqual({ type: ["object", "null"] })
    expect(property("email_accounts", "oauth")).toEqual({ type: ["object", "null"] })
    const tagItem = {
      type: "object",
      properties: {
        tag_id: { type: ["integer", "null"] },
        tag_name: { type: ["string", "null"] },
        tag_color: { type: ["string", "null"] }
      },
      additionalProperties: true
    }
    expect(property("campaigns", "tags")).toEqual({ type: ["array", "null"], items: tagItem })
    expect(property("email_accounts", "tags")).toEqual({ type: ["array", "null"], items: tagItem })
  })
})
