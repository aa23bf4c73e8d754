/**
 * The SmartLead HTTP API: every request the connector makes goes through `SmartLeadApi`. It adds
 * the key (as the `api_key` query parameter the API requires) and a User-Agent, waits for the
 * shared `RateLimit`, bounds each attempt by the request timeout (kept by one `Watchdog` fiber,
 * which aborts overdue requests), turns every outcome into a
 * typed `ApiError`, and retries the retryable ones with capped, jittered exponential backoff,
 * honouring Retry-After (header, seconds or HTTP date, or the body's `retry_after`). Each wait
 * is logged. A wait the API asks for (Retry-After, or a spent X-RateLimit-* budget) longer than
 * `max_wait_seconds` is not slept: the request fails with `WaitTooLong`. Requests make no tracing
 * spans (a span would record the URL, key included); the key is scrubbed from every text an
 * error carries by `Redaction`. Paging is the `Paginator`'s.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError } from "@effect/platform"
import { Clock, Context, Duration, Effect, Either, Layer, Random, Redacted } from "effect"
import type { JsonObject } from "../airbyte/Protocol.js"
import { Redaction, secretForms } from "../airbyte/Redaction.js"
import { VERSION } from "../Package.js"
import type { Config } from "./Config.js"
import type { ApiError } from "./Errors.js"
import {
  ClientError,
  describe,
  InvalidResponse,
  isRetryable,
  NotFound,
  RateLimited,
  RequestTimeout,
  ServerError,
  TransportError,
  Unauthorized,
  WaitTooLong
} from "./Errors.js"
import type { LeadsPage } from "./Models.js"
import { decodeLeadsPage, decodeObjectArray } from "./Models.js"
import * as RateLimit from "./RateLimit.js"
import * as Watchdog from "./Watchdog.js"

/** The longest backoff between two attempts. */
export const MAX_BACKOFF_MS = 60_000

/** How the client talks to the API. */
export interface ApiOptions {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted<string>
  readonly pageSize: number
  readonly maxRetries: number
  readonly retryInitialDelayMs: number
  readonly requestTimeoutMs: number
  /** The longest wait the API may ask for before a request fails instead. */
  readonly maxWaitMs: number
}

/** The filters of a leads query; `created_at_gt` is added per request. */
export type LeadFilters = Readonly<Record<string, string>>

export interface SmartLeadApiShape {
  /** A GET with retries, its JSON body decoded by `decode` (Left: why the body is unusable). */
  readonly get: <A>(
    path: string,
    params: Readonly<Record<string, string>>,
    decode: (json: unknown) => Either.Either<A, string>
  ) => Effect.Effect<A, ApiError>
  readonly listCampaigns: Effect.Effect<ReadonlyArray<JsonObject>, ApiError>
  readonly listLeadCategories: Effect.Effect<ReadonlyArray<JsonObject>, ApiError>
  /** One page of a campaign's leads. */
  readonly leadsPage: (
    campaignId: number,
    filters: LeadFilters,
    offset: number,
    limit: number
  ) => Effect.Effect<LeadsPage, ApiError>
  /** Requests sent so far (every attempt counts). */
  readonly requestCount: Effect.Effect<number>
}

/** The SmartLead API client. */
export class SmartLeadApi extends Context.Tag("smartlead/SmartLeadApi")<SmartLeadApi, SmartLeadApiShape>() {}

/** The API options a config asks for. */
export const optionsFromConfig = (config: Config): ApiOptions => ({
  baseUrl: config.base_url,
  apiKey: config.api_key,
  pageSize: config.page_size,
  maxRetries: config.max_retries,
  retryInitialDelayMs: config.retry_initial_delay_ms,
  requestTimeoutMs: config.request_timeout_seconds * 1000,
  maxWaitMs: config.max_wait_seconds * 1000
})

/** A request as shown in messages: `GET /path?query` (the key is never part of it). */
export const display = (path: string, params: Readonly<Record<string, string>>): string => {
  const query = new URLSearchParams(params).toString()
  return `GET ${path}${query.length > 0 ? `?${query}` : ""}`
}

const titleOf = (html: string): string => {
  const match = /<title>([^<]*)<\/title>/i.exec(html)
  return match?.[1] ? `an HTML page "${match[1].trim().slice(0, 80)}"` : "an HTML page"
}

/** A short description of an error body: its message if JSON, its title if HTML. */
const detailOf = (status: number, body: string): string => {
  const text = body.trim()
  if (text.length === 0) return `empty body`
  if (text.startsWith("<")) return titleOf(text)
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    const error = json["error"]
    const message = json["message"] ??
      (typeof error === "string"
        ? error
        : typeof error === "object" && error !== null
        ? (error as Record<string, unknown>)["message"]
        : undefined)
    if (typeof message === "string") return message.slice(0, 300)
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${status}: ${text.slice(0, 120)}`
}

const retryAfterFromBody = (body: string): number | undefined => {
  try {
    const json = JSON.parse(body) as Record<string, unknown>
    const error = json["error"]
    const value =
      (typeof error === "object" && error !== null ? (error as Record<string, unknown>)["retry_after"] : undefined) ??
        json["retry_after"]
    const seconds = typeof value === "string" ? Number(value) : value
    return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
  } catch {
    return undefined
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date, relative to `now`. */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Builds the client from its options; needs an `HttpClient` and the shared `RateLimit`; its request watchdog lives in the scope. */
export const make = (options: ApiOptions) =>
  Effect.gen(function*() {
    // `withScope`: each request is aborted when its scope closes (by the watchdog, on timeout);
    // the response is then neither wrapped nor tracked by a FinalizationRegistry.
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false), HttpClient.withScope)
    const limiter = yield* RateLimit.RateLimit
    const watchdog = yield* Watchdog.make(options.requestTimeoutMs)
    const base = options.baseUrl.replace(/\/+$/, "")
    const key = Redacted.value(options.apiKey)
    let requests = 0

    const redaction = yield* Redaction
    for (const form of secretForms(key)) yield* redaction.register(form)
    const hideKey = redaction.scrub

    const transportDetail = (error: HttpClientError.HttpClientError): string => {
      const cause = error.cause as
        | { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } }
        | undefined
      const code = cause?.code ?? cause?.cause?.code
      const message = cause?.cause?.message ?? cause?.message ?? error.message
      return hideKey(typeof code === "string" ? `${code}: ${String(message)}` : String(message))
    }

    const send = (path: string, params: Readonly<Record<string, string>>, request: string) =>
      watchdog.bound(
        Effect.gen(function*() {
          const response = yield* client.execute(
            HttpClientRequest.get(base + path, {
              urlParams: { ...params, api_key: key },
              headers: { "user-agent": `source-smartlead/${VERSION}`, accept: "application/json" }
            })
          )
          const body = yield* response.text
          return { status: response.status, headers: response.headers, body } satisfies RawResponse
        }).pipe(
          Effect.withTracerEnabled(false),
          Effect.catchAll((error): Effect.Effect<never, ApiError> =>
            error._tag === "RequestError"
              ? Effect.fail(new TransportError({ request, detail: transportDetail(error) }))
              : Effect.fail(
                new InvalidResponse({ request, detail: `the body could not be read (${transportDetail(error)})` })
              )
          )
        ),
        () => new RequestTimeout({ request, timeoutMs: options.requestTimeoutMs })
      )

    /** Holds every request back while the X-RateLimit-* budget is nearly spent; a pause over the bound fails the request. */
    const noteBudget = (
      headers: Readonly<Record<string, string>>,
      now: number,
      request: string
    ): Effect.Effect<void, WaitTooLong> => {
      const remaining = Number(headers["x-ratelimit-remaining"])
      const reset = Number(headers["x-ratelimit-reset"])
      if (!Number.isFinite(remaining) || !Number.isFinite(reset) || remaining >= 10) return Effect.void
      const resetMs = reset > 1e9 ? reset * 1000 - now : reset * 1000
      const pauseMs = Math.max(0, Math.round(remaining <= 0 ? resetMs : resetMs / (remaining + 1)))
      if (pauseMs > options.maxWaitMs) {
        return Effect.fail(
          new WaitTooLong({ request, waitMs: pauseMs, maxWaitMs: options.maxWaitMs, source: "X-RateLimit-Reset" })
        )
      }
      if (pauseMs === 0) return Effect.void
      return Effect.zipRight(
        Effect.logInfo(
          `Rate limit: ${Math.max(0, remaining)} requests left in the API's window; pausing requests for ${
            (pauseMs / 1000).toFixed(1)
          } s`
        ),
        limiter.pauseUntil(now + pauseMs)
      )
    }

    /** One attempt: rate limit, send, classify, parse. */
    const attempt = <A>(
      path: string,
      params: Readonly<Record<string, string>>,
      request: string,
      decode: (json: unknown) => Either.Either<A, string>
    ): Effect.Effect<A, ApiError> =>
      Effect.gen(function*() {
        yield* limiter.take
        requests++
        const response = yield* send(path, params, request)
        const now = yield* Clock.currentTimeMillis
        yield* noteBudget(response.headers, now, request)
        const { body, status } = response
        if (status === 401 || status === 403) {
          return yield* new Unauthorized({ request, status, detail: hideKey(detailOf(status, body)) })
        }
        if (status === 404) {
          return yield* new NotFound({ request, detail: hideKey(detailOf(status, body)) })
        }
        if (status === 429) {
          const header = parseRetryAfter(response.headers["retry-after"], now)
          const retryAfterMs = header ?? retryAfterFromBody(body)
          if (retryAfterMs !== undefined && retryAfterMs > options.maxWaitMs) {
            const source = header === undefined ? "retry_after in the body" : "Retry-After"
            return yield* new WaitTooLong({ request, waitMs: retryAfterMs, maxWaitMs: options.maxWaitMs, source })
          }
          if (retryAfterMs !== undefined) yield* limiter.pauseUntil(now + retryAfterMs)
          return yield* new RateLimited({ request, retryAfterMs })
        }
        if (status >= 500) return yield* new ServerError({ request, status, detail: hideKey(detailOf(status, body)) })
        if (status >= 400 || status < 200 || status >= 300) {
          return yield* new ClientError({ request, status, detail: hideKey(detailOf(status, body)) })
        }
        const text = body.trim()
        if (text.length === 0) return yield* new InvalidResponse({ request, detail: "empty body" })
        if (text.startsWith("<")) return yield* new InvalidResponse({ request, detail: hideKey(titleOf(text)) })
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          return yield* new InvalidResponse({
            request,
            detail: `not valid JSON (${text.length} bytes, possibly cut short)`
          })
        }
        const decoded = decode(json)
        if (Either.isLeft(decoded)) return yield* new InvalidResponse({ request, detail: decoded.left })
        return decoded.right
      })

    const backoff = (retry: number, error: ApiError) =>
      Effect.map(Random.next, (random) => {
        const exponential = Math.min(MAX_BACKOFF_MS, options.retryInitialDelayMs * 2 ** retry)
        const jittered = Math.round(exponential * (0.75 + random * 0.5))
        const asked = error._tag === "RateLimited" ? error.retryAfterMs ?? 0 : 0
        return Math.max(Math.min(jittered, MAX_BACKOFF_MS), asked)
      })

    /**
     * Sleeps before a retry. A wait longer than 2 s logs a countdown every second: progress for
     * whoever watches, and a write that notices promptly when stdout's reader has gone away.
     */
    const waitFor = (delayMs: number, request: string): Effect.Effect<void> => {
      if (delayMs <= 2000) return Effect.sleep(Duration.millis(delayMs))
      const tick = (left: number): Effect.Effect<void> =>
        left <= 1000
          ? Effect.sleep(Duration.millis(left))
          : Effect.sleep("1 second").pipe(
            Effect.zipRight(
              Effect.logInfo(`Waiting ${Math.ceil((left - 1000) / 1000)} s more before retrying ${request}`)
            ),
            Effect.zipRight(Effect.suspend(() => tick(left - 1000)))
          )
      return tick(delayMs)
    }

    /** A request with retries. */
    const get = <A>(
      path: string,
      params: Readonly<Record<string, string>>,
      decode: (json: unknown) => Either.Either<A, string>
    ): Effect.Effect<A, ApiError> => {
      const request = display(path, params)
      const loop = (retry: number): Effect.Effect<A, ApiError> =>
        attempt(path, params, request, decode).pipe(
          Effect.catchIf(
            (error) => isRetryable(error) && retry < options.maxRetries,
            (error) =>
              Effect.gen(function*() {
                const delayMs = yield* backoff(retry, error)
                yield* Effect.logWarning(
                  `Retrying in ${(delayMs / 1000).toFixed(1)} s (retry ${retry + 1} of ${options.maxRetries}): ${
                    describe(error)
                  }`
                )
                yield* waitFor(delayMs, request)
                return yield* loop(retry + 1)
              })
          )
        )
      return loop(0)
    }

    const leadsPage = (campaignId: number, filters: LeadFilters, offset: number, limit: number) =>
      get(
        `/campaigns/${campaignId}/leads`,
        { ...filters, offset: String(offset), limit: String(limit) },
        (json) => decodeLeadsPage(json, campaignId)
      )

    return {
      get,
      listCampaigns: get("/campaigns", {}, (json) => decodeObjectArray(json, "campaign")),
      listLeadCategories: get("/leads/fetch-categories", {}, (json) => decodeObjectArray(json, "lead category")),
      leadsPage,
      requestCount: Effect.sync(() => requests)
    } satisfies SmartLeadApiShape
  })

/** The client for a config, with its own rate limiter. */
export const layer = (
  options: ApiOptions,
  requestsPerSecond: number
): Layer.Layer<SmartLeadApi, never, HttpClient.HttpClient | Redaction> =>
  Layer.scoped(SmartLeadApi, make(options)).pipe(Layer.provide(RateLimit.layer(requestsPerSecond)))
