/**
 * Secret scrubbing: registered values, in raw and URL-encoded forms, become `****` in text; only
 * the config values the spec marks `airbyte_secret` are registered; very short values are not.
 * (Registered secrets live for the process: each test uses values of its own.)
 */
import { describe, expect, it } from "@effect/vitest"
import { registerConfigSecrets, registerSecret, scrub, secretForms } from "../../../src/airbyte/Redaction.js"

describe("scrub", () => {
  it("leaves text alone when nothing registered appears in it", () => {
    expect(scrub("GET /campaigns?offset=0 answered 500")).toBe("GET /campaigns?offset=0 answered 500")
  })

  it("replaces every occurrence of a registered value", () => {
    registerSecret("sk-live-1234abcd")
    expect(scrub("key sk-live-1234abcd, again sk-live-1234abcd.")).toBe("key ****, again ****.")
  })

  it("ignores values shorter than 4 characters (they would mangle ordinary text)", () => {
    registerSecret("abc")
    expect(scrub("abc is not a secret")).toBe("abc is not a secret")
    registerSecret("wxyz")
    expect(scrub("wxyz is")).toBe("**** is")
  })
})

describe("secretForms", () => {
  it("lists the raw value, its path-segment and its query-value encodings, once each", () => {
    expect(secretForms("a b/c+d")).toEqual(["a b/c+d", "a%20b%2Fc%2Bd", "a+b%2Fc%2Bd"])
    expect(secretForms("plainkey123")).toEqual(["plainkey123"])
  })
})

describe("registerConfigSecrets", () => {
  const properties = {
    api_key: { type: "string", airbyte_secret: true },
    base_url: { type: "string" },
    token: { type: "string", airbyte_secret: false },
    password: { type: "string", airbyte_secret: true }
  }

  it("registers the airbyte_secret values in every form a URL or log may carry", () => {
    registerConfigSecrets(properties, { api_key: "k3y/with+odd chars", base_url: "http://proxy.example" })
    const url = `http://proxy.example/api/v1/campaigns?api_key=${new URLSearchParams({ k: "k3y/with+odd chars" }).toString().slice(2)}`
    expect(scrub(url)).toBe("http://proxy.example/api/v1/campaigns?api_key=****")
    expect(scrub(`/keys/${encodeURIComponent("k3y/with+odd chars")}`)).toBe("/keys/****")
    expect(scrub("raw k3y/with+odd chars")).toBe("raw ****")
  })

  it("does not register values the spec does not mark secret", () => {
    registerConfigSecrets(properties, { api_key: "another-key-5678", base_url: "http://visible.example", token: "visible-token" })
    expect(scrub("http://visible.example visible-token another-key-5678")).toBe("http://visible.example visible-token ****")
  })

  it("skips non-string secret values and configs that are not objects", () => {
    registerConfigSecrets(properties, { api_key: 12345678, password: null })
    registerConfigSecrets(properties, null)
    registerConfigSecrets(properties, "a string config")
    expect(scrub("12345678 null a string config")).toBe("12345678 null a string config")
  })
})
