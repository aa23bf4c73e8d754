/**
 * The API client's retry, backoff, Retry-After, timeout, rate-limit and pagination behaviour,
 * with an in-memory HttpTransport and the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, Exit, Fiber, Layer, Option, Random, Redacted, TestClock } from "effect"
import type { HttpTransportShape } from "../../../src/airbyte/HttpTransport.js"
import { HttpRequestFailed, HttpTransport } from "../../../src/airbyte/HttpTransport.js"
import * as Redaction from "../../../src/airbyte/Redaction.js"
import type { ApiOptions } from "../../../src/smartlead/Api.js"
import * as Api from "../../../src/smartlead/Api.js"
import { describe as describeError } from "../../../src/smartlead/Errors.js"
import * as RateLimit from "../../../src/smartlead/RateLimit.js"
import * as Transport from "../../../src/smartlead/Transport.js"

const KEY = "test-key-9d8c7b6a"
const USER_AGENT = "source-smartlead/9.8.7"

type Reply = { status: number; body?: string; headers?: Record<string, string> } | "hang" | "reset"

interface Call {
  readonly at: number
  readonly url: URL
  readonly headers: Record<string, string>
}

/**
 * An `HttpTransport` answering from a script (the last reply repeats). A "hang" never answers;
 * like the Node transport, it gives up with a transport failure when the request's AbortSignal
 * fires.
 */
const scripted = (replies: ReadonlyArray<Reply> | ((call: number, url: URL) => Reply)) => {
  const calls: Array<Call> = []
  const client: HttpTransportShape = {
    get: (href, headers, signal) =>
      Effect.gen(function*() {
        const url = new URL(href)
        calls.push({ at: yield* Clock.currentTimeMillis, url, headers: { ...headers } })
        const reply = typeof replies === "function"
          ? replies(calls.length - 1, url)
          : replies[Math.min(calls.length - 1, replies.length - 1)]!
        if (reply === "hang") {
          return yield* Effect.async<never, HttpRequestFailed>((resume) => {
            signal.addEventListener("abort", () =>
              resume(Effect.fail(new HttpRequestFailed({ reason: "Transport", cause: signal.reason }))))
          })
        }
        if (reply === "reset") {
          return yield* new HttpRequestFailed({ reason: "Transport", cause: new Error("socket hang up") })
        }
        const lower: Record<string, string> = {}
        for (const [name, value] of Object.entries(reply.headers ?? {})) {
          lower[name.toLowerCase()] = value
        }
        return { status: reply.status, headers: lower, body: reply.body ?? "" }
      })
  }
  return { client, calls }
}

const options = (overrides: Partial<ApiOptions> = {}): ApiOptions => ({
  baseUrl: "http://smartlead.test/api/v1",
  apiKey: Redacted.make(KEY),
  pageSize: 100,
  maxRetries: 5,
  retryInitialDelayMs: 1000,
  requestTimeoutMs: 5000,
  maxWaitMs: 900_000,
  ...overrides
})

const withApi = <A, E>(
  client: HttpTransportShape,
  use: (api: Api.SmartLeadApiShape) => Effect.Effect<A, E>,
  overrides: Partial<ApiOptions> = {},
  perSecond = 1000
) =>
  Effect.flatMap(Api.make(options(overrides)), use).pipe(
    Effect.scoped,
    Effect.provideService(HttpTransport, client),
    Effect.provide(
      Layer.mergeAll(RateLimit.layer(perSecond), Redaction.layer, Layer.succeed(Transport.UserAgent, USER_AGENT))
    )
  )

const ok = (body: unknown): Reply => ({ status: 200, body: JSON.stringify(body) })
const campaigns = ok([{ id: 1, name: "a" }])

/** Runs `effect` in a fiber while advancing the TestClock by `seconds`, then joins it. */
const runFor = <A, E>(effect: Effect.Effect<A, E>, seconds: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.either(effect))
    for (let i = 0; i < seconds; i++) yield* TestClock.adjust("1 second")
    return yield* Fiber.join(fiber)
  })

const gaps = (calls: ReadonlyArray<Call>) => calls.slice(1).map((call, i) => call.at - calls[i]!.at)

describe("retries", () => {
  it.effect("retries 5xx with jittered exponential backoff, then succeeds", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([
        { status: 503, body: "{}" },
        { status: 500, body: "<html><title>Bad</title></html>" },
        { status: 502 },
        campaigns
      ])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns), 20)
      expect(Either.isRight(result)).toBe(true)
      expect(calls).toHaveLength(4)
      const [first, second, third] = gaps(calls)
      expect(first).toBeGreaterThanOrEqual(750)
      expect(first).toBeLessThanOrEqual(1250)
      expect(second).toBeGreaterThanOrEqual(1500)
      expect(second).toBeLessThanOrEqual(2500)
      expect(third).toBeGreaterThanOrEqual(3000)
      expect(third).toBeLessThanOrEqual(5000)
    }))

  it.effect("makes max_retries + 1 attempts, then fails with the typed error", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 500, body: JSON.stringify({ message: "boom" }) }])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { maxRetries: 2 }), 30)
      expect(calls).toHaveLength(3)
      expect(Either.isLeft(result) && result.left._tag).toBe("ServerError")
      if (Either.isLeft(result)) {
        expect(describeError(result.left)).toMatch(/HTTP 500 \(boom\) on GET \/campaigns/)
        expect(describeError(result.left)).not.toContain(KEY)
      }
    }))

  it.effect("caps the backoff at 60 s", () =>
    Effect.gen(function*() {
      // The highest jitter (×1.25) would make 75 s of a 60 s backoff: the cap must cut it to 60 s.
      const { calls, client } = scripted([{ status: 503 }, { status: 503 }, campaigns])
      const fiber = yield* Effect.fork(
        withApi(client, (api) => api.listCampaigns, { retryInitialDelayMs: 100_000 }).pipe(
          Effect.withRandom(Random.fixed([0.999]))
        )
      )
      for (let i = 0; i < 130; i++) yield* TestClock.adjust("1 second")
      expect(calls.map((call) => call.at)).toEqual([0, 60_000, 120_000])
      const exit = yield* Fiber.poll(fiber)
      expect(Option.isSome(exit) && Exit.isSuccess(exit.value)).toBe(true)
    }))

  for (const status of [400, 401, 403, 404, 422]) {
    it.effect(`does not retry HTTP ${status}`, () =>
      Effect.gen(function*() {
        const { calls, client } = scripted([{ status, body: JSON.stringify({ error: "nope" }) }, campaigns])
        const result = yield* runFor(withApi(client, (api) => api.listCampaigns), 10)
        expect(calls).toHaveLength(1)
        const expected = status === 401 || status === 403 ? "Unauthorized" : status === 404 ? "NotFound" : "ClientError"
        expect(Either.isLeft(result) && result.left._tag).toBe(expected)
      }))
  }

  it.effect("honours a Retry-After header in seconds over a shorter backoff", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 429, headers: { "retry-after": "30" } }, campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns), 40)
      expect(Either.isRight(result)).toBe(true)
      expect(gaps(calls)[0]).toBeGreaterThanOrEqual(30_000)
      expect(gaps(calls)[0]).toBeLessThan(31_000)
    }))

  it.effect("honours a Retry-After HTTP date", () =>
    Effect.gen(function*() {
      const at = new Date(20_000).toUTCString()
      const { calls, client } = scripted([{ status: 429, headers: { "retry-after": at } }, campaigns])
      yield* runFor(withApi(client, (api) => api.listCampaigns), 30)
      expect(calls[1]!.at).toBeGreaterThanOrEqual(20_000)
    }))

  it.effect("honours retry_after in a 429 body", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ error: { code: "RATE_LIMIT_EXCEEDED", message: "later", retry_after: 12 } })
      const { calls, client } = scripted([{ status: 429, body }, campaigns])
      yield* runFor(withApi(client, (api) => api.listCampaigns), 20)
      expect(gaps(calls)[0]).toBeGreaterThanOrEqual(12_000)
    }))

  it.effect("retries 429 without Retry-After on the backoff schedule", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 429 }, campaigns])
      yield* runFor(withApi(client, (api) => api.listCampaigns), 5)
      expect(calls).toHaveLength(2)
      expect(gaps(calls)[0]).toBeGreaterThanOrEqual(750)
    }))

  it.effect("abandons a hung request after the timeout and retries it", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted(["hang", campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { requestTimeoutMs: 5000 }), 10)
      expect(Either.isRight(result)).toBe(true)
      expect(calls[1]!.at).toBeGreaterThanOrEqual(5000 + 750)
    }))

  it.effect("reports a timeout after the last attempt", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted(["hang"])
      const result = yield* runFor(
        withApi(client, (api) => api.listCampaigns, { requestTimeoutMs: 2000, maxRetries: 1 }),
        10
      )
      expect(calls).toHaveLength(2)
      expect(Either.isLeft(result) && result.left._tag).toBe("RequestTimeout")
    }))

  it.effect("retries connection resets", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted(["reset", campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns), 5)
      expect(Either.isRight(result)).toBe(true)
      expect(calls).toHaveLength(2)
    }))

  const unusable: Array<[string, Reply]> = [
    ["an empty body", { status: 200, body: "" }],
    ["`{}`", { status: 200, body: "{}" }],
    ["an HTML page", { status: 200, body: "<html><title>Maintenance</title></html>" }],
    ["truncated JSON", { status: 200, body: "{\"total_leads\":\"3\",\"data\":[{\"lead\":{\"id\":1" }]
  ]
  for (const [what, reply] of unusable) {
    it.effect(`treats ${what} as an invalid response and retries it`, () =>
      Effect.gen(function*() {
        const page = ok({
          total_leads: "1",
          offset: 0,
          limit: 100,
          data: [{ created_at: "2025-01-01T00:00:00.000Z", lead: { id: 7 } }]
        })
        const { calls, client } = scripted([reply, page])
        const result = yield* runFor(withApi(client, (api) => api.leadsPage(1, {}, 0, 100)), 5)
        expect(calls).toHaveLength(2)
        expect(Either.isRight(result) && result.right.records[0]).toMatchObject({ id: 7, campaign_id: 1 })
      }))
  }
})

describe("requests", () => {
  it.effect("sends the key as api_key, the given User-Agent, offset and limit", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([ok({ total: 0, leads: [], offset: 0, limit: 7 })])
      yield* runFor(withApi(client, (api) => api.leadsPage(42, { status: "STARTED" }, 14, 7)), 1)
      const url = calls[0]!.url
      expect(url.pathname).toBe("/api/v1/campaigns/42/leads")
      expect(url.searchParams.get("api_key")).toBe(KEY)
      expect(url.searchParams.get("limit")).toBe("7")
      expect(url.searchParams.get("offset")).toBe("14")
      expect(url.searchParams.get("status")).toBe("STARTED")
      expect(calls[0]!.headers["user-agent"]).toBe(USER_AGENT)
    }))
})

describe("once per sync", () => {
  it.effect("the campaign list is requested once: a later and a concurrent caller share its answer", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([campaigns])
      const result = yield* runFor(
        withApi(client, (api) =>
          Effect.zipRight(
            Effect.all([api.listCampaigns, api.listCampaigns], { concurrency: 2 }),
            Effect.all([api.listCampaigns, api.listLeadCategories])
          )),
        10
      )
      expect(Either.isRight(result)).toBe(true)
      expect(calls.map((call) => call.url.pathname.replace(/^.*\/api\/v1/, ""))).toEqual([
        "/campaigns",
        "/leads/fetch-categories"
      ])
    }))

  it.effect("a failure is shared too: the stream that asks second gets it without a request", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted((n) => (n === 0 ? { status: 404, body: "{}" } : campaigns))
      const failed = yield* runFor(
        withApi(client, (api) => Effect.all([Effect.either(api.listCampaigns), Effect.either(api.listCampaigns)])),
        10
      )
      expect(Either.isRight(failed) && failed.right.every(Either.isLeft)).toBe(true)
      expect(calls).toHaveLength(1)
    }))
})

describe("rate limit", () => {
  /** A request no cache answers (`listCampaigns` is requested once per client). */
  const fresh = (api: Api.SmartLeadApiShape) => api.get("/campaigns", {}, (json) => Either.right(json))

  it.effect("spaces requests 1/R apart and at most R in any rolling second, across concurrent callers", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([campaigns])
      const result = yield* runFor(
        withApi(
          client,
          (api) => Effect.all(Array.from({ length: 6 }, () => fresh(api)), { concurrency: 6 }),
          {},
          2
        ),
        5
      )
      expect(Either.isRight(result)).toBe(true)
      const times = calls.map((call) => call.at)
      expect(times).toEqual([0, 500, 1050, 1550, 2100, 2600])
      expect(gaps(calls).every((gap) => gap >= 500)).toBe(true)
      for (const t of times) expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(2)
    }))

  it.effect("allows fractional rates", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([campaigns])
      yield* runFor(
        withApi(client, (api) => Effect.all([fresh(api), fresh(api), fresh(api)]), {}, 0.25),
        10
      )
      expect(calls.map((call) => call.at)).toEqual([0, 4000, 8000])
    }))

  it.effect("holds every request after a 429 with Retry-After", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted((
        n
      ) => (n === 0 ? { status: 429, headers: { "retry-after": "10" } } : campaigns))
      yield* runFor(
        withApi(
          client,
          (api) => Effect.all([fresh(api), Effect.delay(fresh(api), "1 second")], { concurrency: 2 })
        ),
        15
      )
      expect(calls.slice(1).every((call) => call.at >= 10_000)).toBe(true)
    }))

  it.effect("slows down when X-RateLimit-Remaining runs out", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted((n) =>
        n === 0
          ? { status: 200, body: "[]", headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "8" } }
          : ok([])
      )
      yield* runFor(withApi(client, (api) => Effect.all([fresh(api), fresh(api)])), 10)
      expect(calls[1]!.at).toBeGreaterThanOrEqual(8000)
    }))
})

describe("bounded waits", () => {
  it.effect("a Retry-After longer than max_wait_seconds is not slept: the request fails with WaitTooLong naming the wait", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 429, headers: { "retry-after": "3600" } }, campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { maxWaitMs: 900_000 }), 5)
      expect(calls).toHaveLength(1)
      expect(Either.isLeft(result) && result.left._tag).toBe("WaitTooLong")
      expect(Either.isLeft(result) && result.left.message).toMatch(
        /wait 3600 s \(Retry-After\).*max_wait_seconds \(900 s\)/
      )
    }))

  it.effect("a body retry_after longer than max_wait_seconds fails the same way", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 429, body: JSON.stringify({ retry_after: 7200 }) }, campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { maxWaitMs: 60_000 }), 5)
      expect(calls).toHaveLength(1)
      expect(Either.isLeft(result) && result.left.message).toMatch(/wait 7200 s \(retry_after in the body\)/)
    }))

  it.effect("a Retry-After within max_wait_seconds is slept and retried", () =>
    Effect.gen(function*() {
      const { calls, client } = scripted([{ status: 429, headers: { "retry-after": "30" } }, campaigns])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { maxWaitMs: 60_000 }), 40)
      expect(Either.isRight(result)).toBe(true)
      expect(calls[1]!.at).toBeGreaterThanOrEqual(30_000)
    }))

  it.effect("an X-RateLimit pause longer than max_wait_seconds fails the request instead of pausing", () =>
    Effect.gen(function*() {
      const { client } = scripted([{
        status: 200,
        body: "[]",
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5000" }
      }])
      const result = yield* runFor(withApi(client, (api) => api.listCampaigns, { maxWaitMs: 900_000 }), 1)
      expect(Either.isLeft(result) && result.left._tag).toBe("WaitTooLong")
      expect(Either.isLeft(result) && result.left.message).toMatch(/wait 5000 s \(X-RateLimit-Reset\)/)
    }))
})

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(Transport.parseRetryAfter("30", 0)).toBe(30_000)
    expect(Transport.parseRetryAfter("1.5", 0)).toBe(1500)
    expect(Transport.parseRetryAfter(new Date(5000).toUTCString(), 0)).toBe(5000)
    expect(Transport.parseRetryAfter("soon", 0)).toBeUndefined()
    expect(Transport.parseRetryAfter(undefined, 0)).toBeUndefined()
  })
})
