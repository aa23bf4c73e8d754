/** The tap's settings from TAP_SMARTLEAD_* environment variables, as the Meltano SDK reads them. */
import { describe, expect, it } from "vitest"
import { fromEnvironment, prefixOf } from "../../../src/singer/Settings.js"
import { spec } from "../../../src/smartlead/Config.js"

const properties = spec.connectionSpecification["properties"] as Record<string, unknown>

describe("settings from the environment", () => {
  it("the prefix is the tap's name in capitals with underscores", () => {
    expect(prefixOf("tap-smartlead")).toBe("TAP_SMARTLEAD_")
  })

  it("reads one variable per setting; arrays as JSON or comma-separated, booleans as true/false/1/0, the rest as text", () => {
    const prefix = prefixOf("tap-smartlead")
    expect(fromEnvironment(properties, prefix, {
      TAP_SMARTLEAD_API_KEY: "k-1",
      TAP_SMARTLEAD_PAGE_SIZE: "50",
      TAP_SMARTLEAD_CAMPAIGN_IDS: "1, 2,3",
      TAP_SMARTLEAD_ACTIVITY_SWEEP: "FALSE",
      TAP_SMARTLEAD_STATISTICS_INCLUDE_EMAIL_BODY: "1",
      TAP_SMARTLEAD_UNKNOWN: "x",
      SMARTLEAD_API_KEY: "other"
    })).toEqual({
      api_key: "k-1",
      page_size: "50",
      campaign_ids: ["1", "2", "3"],
      activity_sweep: false,
      statistics_include_email_body: true
    })
    expect(fromEnvironment(properties, prefix, { TAP_SMARTLEAD_CAMPAIGN_IDS: "[4,5]" })).toEqual({
      campaign_ids: [4, 5]
    })
    expect(fromEnvironment(properties, prefix, { TAP_SMARTLEAD_ACTIVITY_SWEEP: "maybe" })).toEqual({
      activity_sweep: "maybe"
    })
    expect(fromEnvironment(properties, prefix, {})).toEqual({})
  })
})
