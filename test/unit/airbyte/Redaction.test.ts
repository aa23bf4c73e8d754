/**
 * Secret scrubbing: registered values, in raw and URL-encoded forms, become `****` in text; only
 * the config values the spec marks `airbyte_secret` are registered; very short values are not;
 * each run (each `Redaction.layer`) has a registry of its own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { layer, make, Redaction, secretForms } from "../../../src/airbyte/Redaction.js"

describe("scrub", () => {
  it.effect("leaves text alone when nothing registered appears in it", () =>
    Effect.gen(function*() {
      const { scrub } = yield* Redaction
      expect(scrub("GET /campaigns?offset=0 answered 500")).toBe("GET /campaigns?offset=0 answered 500")
    }).pipe(Effect.provide(layer)))

  it.effect("replaces every occurrence of a registered value", () =>
    Effect.gen(function*() {
      const redaction = yield* Redaction
      yield* redaction.register("sk-live-1234abcd")
      expect(redaction.scrub("key sk-live-1234abcd, again sk-live-1234abcd.")).toBe("key ****, again ****.")
    }).pipe(Effect.provide(layer)))

  it.effect("ignores values shorter than 4 characters (they would mangle ordinary text)", () =>
    Effect.gen(function*() {
      const redaction = yield* Redaction
      yield* redaction.register("abc")
      expect(redaction.scrub("abc is not a secret")).toBe("abc is not a secret")
      yield* redaction.register("wxyz")
      expect(redaction.scrub("wxyz is")).toBe("**** is")
    }).pipe(Effect.provide(layer)))

  it.effect("keeps each run's secrets to that run: a second registry knows nothing of the first's", () =>
    Effect.gen(function*() {
      const first = make()
      yield* first.register("run-one-secret")
      const second = make()
      expect(first.scrub("run-one-secret")).toBe("****")
      expect(second.scrub("run-one-secret")).toBe("run-one-secret")
    }))
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

  it.effect("registers the airbyte_secret values in every form a URL or log may carry", () =>
    Effect.gen(function*() {
      const redaction = make()
      yield* redaction.registerConfigSecrets(properties, {
        api_key: "k3y/with+odd chars",
        base_url: "http://proxy.example"
      })
      const url = `http://proxy.example/api/v1/campaigns?api_key=${
        new URLSearchParams({ k: "k3y/with+odd chars" }).toString().slice(2)
      }`
      expect(redaction.scrub(url)).toBe("http://proxy.example/api/v1/campaigns?api_key=****")
      expect(redaction.scrub(`/keys/${encodeURIComponent("k3y/with+odd chars")}`)).toBe("/keys/****")
      expect(redaction.scrub("raw k3y/with+odd chars")).toBe("raw ****")
    }))

  it.effect("does not register values the spec does not mark secret", () =>
    Effect.gen(function*() {
      const redaction = make()
      yield* redaction.registerConfigSecrets(properties, {
        api_key: "another-key-5678",
        base_url: "http://visible.example",
        token: "visible-token"
      })
      expect(redaction.scrub("http://visible.example visible-token another-key-5678")).toBe(
        "http://visible.example visible-token ****"
      )
    }))

  it.effect("skips non-string secret values and configs that are not objects", () =>
    Effect.gen(function*() {
      const redaction = make()
      yield* redaction.registerConfigSecrets(properties, { api_key: 12345678, password: null })
      yield* redaction.registerConfigSecrets(properties, null)
      yield* redaction.registerConfigSecrets(properties, "a string config")
      expect(redaction.scrub("12345678 null a string config")).toBe("12345678 null a string config")
    }))
})
