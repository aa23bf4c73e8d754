/**
 * `base_url` decoding: the API key is a query parameter, so the URL must be https unless its host
 * is this machine (localhost, 127.0.0.0/8, ::1); the spec's pattern says the same.
 */
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeConfig } from "../../../src/airbyte/Inputs.js"
import { Config, isLoopbackHost, spec } from "../../../src/smartlead/Config.js"

const decode = (base_url: string) =>
  Effect.runSync(Effect.either(decodeConfig(Config, spec.connectionSpecification, { api_key: "k-1", base_url })))

const pattern = new RegExp(
  (spec.connectionSpecification["properties"] as Record<string, { pattern: string }>)["base_url"]!.pattern
)

describe("base_url", () => {
  const allowed = [
    "https://server.smartlead.ai/api/v1",
    "https://proxy.example.com:8443/smartlead/api/v1",
    "http://127.0.0.1:8080/api/v1",
    "http://127.10.20.30/api/v1",
    "http://localhost:3000/api/v1",
    "http://localhost/api/v1",
    "http://[::1]:3000/api/v1"
  ]
  const refused = [
    "http://server.smartlead.ai/api/v1",
    "http://10.0.0.5/api/v1",
    "http://128.0.0.1/api/v1",
    "http://localhost.example.com/api/v1",
    "http://127.0.0.1.example.com/api/v1",
    "http://[::2]/api/v1"
  ]

  it.each(allowed)("%s is allowed, by the decoder and the spec's pattern", (url) => {
    const decoded = decode(url)
    expect(Either.isRight(decoded) ? decoded.right.config.base_url : decoded.left).toBe(url)
    expect(pattern.test(url)).toBe(true)
  })

  it.each(refused)("%s is refused naming base_url and https, by the decoder and the spec's pattern", (url) => {
    const decoded = decode(url)
    expect(Either.isLeft(decoded)).toBe(true)
    if (Either.isLeft(decoded)) {
      expect(decoded.left.message).toMatch(/base_url: must start with https:\/\/ .*loopback host/)
    }
    expect(pattern.test(url)).toBe(false)
  })

  it("loopback hosts are localhost, 127.0.0.0/8 and ::1 only", () => {
    expect(["localhost", "LOCALHOST", "api.localhost", "127.0.0.1", "127.255.255.255", "[::1]"].map(isLoopbackHost))
      .toEqual([true, true, true, true, true, true])
    expect(["127.0.0.256", "0.0.0.0", "10.0.0.1", "localhost.example", "[::2]", "example.com"].map(isLoopbackHost))
      .toEqual([false, false, false, false, false, false])
  })
})
