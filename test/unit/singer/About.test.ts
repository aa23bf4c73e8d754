/**
 * `--about` in the Meltano SDK's about-info layout (singer_sdk/about.py), as Meltano Hub's parser
 * reads it: `settings` is a JSON Schema object whose properties carry their types.
 */
import { describe, expect, it } from "vitest"
import * as About from "../../../src/singer/About.js"
import { SmartLeadSource } from "../../../src/smartlead/Source.js"
import { makeAjv } from "../../helpers/Ajv.js"
import { hubSettings, SDK_ABOUT_LAYOUT } from "../../helpers/Meltano.js"

describe("About", () => {
  const about = About.aboutInfo(SmartLeadSource, { name: "tap-smartlead", version: "1.2.3" })

  it("is in the SDK's about-info layout, with the source's description", () => {
    const validate = makeAjv().compile(SDK_ABOUT_LAYOUT)
    expect(validate(JSON.parse(About.render(about, "json"))), JSON.stringify(validate.errors)).toBe(true)
    expect(about.description).toBe(SmartLeadSource.description)
    expect(validate({ ...about, settings: [{ name: "api_key", kind: "password" }] })).toBe(false)
  })

  it("settings are a JSON Schema of the spec's settings: numbers as numbers, the key secret", () => {
    const ajv = makeAjv()
    ajv.addKeyword("secret")
    expect(() => ajv.compile(about.settings)).not.toThrow()
    const properties = about.settings.properties
    expect(properties["max_requests_per_second"]).toMatchObject({ type: "number", default: 1 })
    expect(properties["request_timeout_seconds"]).toMatchObject({ type: "number", default: 60 })
    expect(properties["page_size"]).toMatchObject({ type: "integer", default: 100 })
    expect(properties["api_key"]).toMatchObject({ type: "string", secret: true, writeOnly: true })
    expect(JSON.stringify(properties)).not.toMatch(/airbyte_secret|"order"/)
    expect(about.settings.required).toEqual(["api_key"])
    expect(hubSettings(about).find((s) => s.name === "max_requests_per_second")).toEqual({
      name: "max_requests_per_second",
      kind: "number",
      required: false
    })
  })

  it("renders the SDK's Markdown", () => {
    const text = About.render(about, "markdown")
    expect(text.startsWith("# `tap-smartlead`\n\n")).toBe(true)
    expect(text).toContain("## Capabilities\n\n- `catalog`\n- `discover`\n- `state`\n- `about`\n")
    expect(text).toContain(
      "| Setting | Required | Default | Description |\n|:--------|:--------:|:-------:|:------------|\n| api_key | True | None |"
    )
    expect(text).toContain("| max_requests_per_second | False | 1 |")
  })
})
