/**
 * The SmartLead API: every request the connector makes goes through `SmartLeadApi`. It adds the
 * key (as the `api_key` query parameter the API requires), hands each attempt to the
 * `Transport` (rate limit, User-Agent, timeout) and turns every answer into a result or a typed
 * `ApiError`: the status, the body (JSON, HTML, empty, cut short, the wrong shape) and the waits
 * the server asks for (Retry-After, seconds or HTTP date, or the body's `retry_after`; a spent
 * X-RateLimit-* budget, which pauses every request). A wait longer than `max_wait_seconds` is not
 * slept: the request fails with `WaitTooLong`. Retryable errors are retried on the transport's
 * schedule. The key is scrubbed from every text an error carries by `Redaction`. Paging is the
 * `Paginator`'s.
 */
import { Context, Effect, Either, Exit, Layer, Redacted } from "effect"
import type { HttpTransport } from "../airbyte/HttpTransport.js"
import type { JsonObject } from "../airbyte/Protocol.js"
import { Redaction, secretForms } from "../airbyte/Redaction.js"
import type { Config } from "./Config.js"
import type { ApiError } from "./Errors.js"
import {
  ClientError,
  InvalidResponse,
  NotFound,
  RateLimited,
  ServerError,
  Unauthorized,
  WaitTooLong
} from "./Errors.js"
import type { LeadsPage } from "./Models.js"
import { decodeLeadsPage, decodeObjectArray } from "./Models.js"
import * as RateLimit from "./RateLimit.js"
import type { UserAgent } from "./Transport.js"
import * as Transport from "./Transport.js"

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

/** Builds the client from its options; needs what the `Transport` needs. */
export const make = (options: ApiOptions): Effect.Effect<SmartLeadApiShape, never, Transport.Requirements> =>
  Effect.gen(function*() {
    const key = Redacted.value(options.apiKey)
    const redaction = yield* Redaction
    for (const form of secretForms(key)) yield* redaction.register(form)
    const hideKey = redaction.scrub
    const transport = yield* Transport.make({
      baseUrl: options.baseUrl,
      secretParams: { api_key: key },
      requestTimeoutMs: options.requestTimeoutMs
    })
    const limiter = yield* RateLimit.RateLimit
    const clock = yield* Effect.clock

    /**
     * Holds every request back while the X-RateLimit-* budget is nearly spent; a pause over the
     * bound fails the request. Undefined when the budget asks for nothing (nearly every answer).
     */
    const noteBudget = (
      headers: Readonly<Record<string, string>>,
      now: number,
      request: string
    ): Effect.Effect<void, WaitTooLong> | undefined => {
      const remaining = Number(headers["x-ratelimit-remaining"])
      const reset = Number(headers["x-ratelimit-reset"])
      if (!Number.isFinite(remaining) || !Number.isFinite(reset) || remaining >= 10) return undefined
      const resetMs = reset > 1e9 ? reset * 1000 - now : reset * 1000
      const pauseMs = Math.max(0, Math.round(remaining <= 0 ? resetMs : resetMs / (remaining + 1)))
      if (pauseMs > options.maxWaitMs) {
        return Effect.fail(
          new WaitTooLong({ request, waitMs: pauseMs, maxWaitMs: options.maxWaitMs, source: "X-RateLimit-Reset" })
        )
      }
      if (pauseMs === 0) return undefined
      return Effect.zipRight(
        Effect.logInfo(
          `Rate limit: ${Math.max(0, remaining)} requests left in the API's window; pausing requests for ${
            (pauseMs / 1000).toFixed(1)
          } s`
        ),
        limiter.pauseUntil(now + pauseMs)
      )
    }

    /** One attempt: send, classify, parse (one step after the transport's when the answer is a page). */
    const attempt = <A>(
      path: string,
      params: Readonly<Record<string, string>>,
      request: string,
      decode: (json: unknown) => Either.Either<A, string>
    ): Effect.Effect<A, ApiError> =>
      Effect.flatMap(transport.send(path, params, request), (response) => {
        const now = clock.unsafeCurrentTimeMillis()
        const outcome = classify(response, now, request, decode)
        const budget = noteBudget(response.headers, now, request)
        return budget === undefined ? outcome : Effect.zipRight(budget, outcome)
      })

    /** What an answer means: the decoded body, or the error its status or body says. */
    const classify = <A>(
      response: Transport.RawResponse,
      now: number,
      request: string,
      decode: (json: unknown) => Either.Either<A, string>
    ): Effect.Effect<A, ApiError> => {
      const { body, status } = response
      if (status === 401 || status === 403) {
        return Effect.fail(new Unauthorized({ request, status, detail: hideKey(detailOf(status, body)) }))
      }
      if (status === 404) return Effect.fail(new NotFound({ request, detail: hideKey(detailOf(status, body)) }))
      if (status === 429) {
        const header = Transport.parseRetryAfter(response.headers["retry-after"], now)
        const retryAfterMs = header ?? retryAfterFromBody(body)
        if (retryAfterMs !== undefined && retryAfterMs > options.maxWaitMs) {
          const source = header === undefined ? "retry_after in the body" : "Retry-After"
          return Effect.fail(new WaitTooLong({ request, waitMs: retryAfterMs, maxWaitMs: options.maxWaitMs, source }))
        }
        const limited = Effect.fail(new RateLimited({ request, retryAfterMs }))
        return retryAfterMs === undefined ? limited : Effect.zipRight(limiter.pauseUntil(now + retryAfterMs), limited)
      }
      if (status >= 500) {
        return Effect.fail(new ServerError({ request, status, detail: hideKey(detailOf(status, body)) }))
      }
      if (status >= 400 || status < 200 || status >= 300) {
        return Effect.fail(new ClientError({ request, status, detail: hideKey(detailOf(status, body)) }))
      }
      const text = body.trim()
      if (text.length === 0) return Effect.fail(new InvalidResponse({ request, detail: "empty body" }))
      if (text.startsWith("<")) return Effect.fail(new InvalidResponse({ request, detail: hideKey(titleOf(text)) }))
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return Effect.fail(
          new InvalidResponse({ request, detail: `not valid JSON (${text.length} bytes, possibly cut short)` })
        )
      }
      const decoded = decode(json)
      return Either.isLeft(decoded)
        ? Effect.fail(new InvalidResponse({ request, detail: decoded.left }))
        : Effect.succeed(decoded.right)
    }

    /** A request with retries. */
    const get = <A>(
      path: string,
      params: Readonly<Record<string, string>>,
      decode: (json: unknown) => Either.Either<A, string>
    ): Effect.Effect<A, ApiError> => {
      const request = display(path, params)
      return Transport.withRetries(attempt(path, params, request, decode), options, request)
    }

    const leadsPage = (campaignId: number, filters: LeadFilters, offset: number, limit: number) =>
      get(
        `/campaigns/${campaignId}/leads`,
        { ...filters, offset: String(offset), limit: String(limit) },
        (json) => decodeLeadsPage(json, campaignId)
      )

    return {
      get,
      listCampaigns: once(get("/campaigns", {}, (json) => decodeObjectArray(json, "campaign"))),
      listLeadCategories: once(get("/leads/fetch-categories", {}, (json) => decodeObjectArray(json, "lead category"))),
      leadsPage
    } satisfies SmartLeadApiShape
  })

/**
 * An effect run at most once per client (so once per sync): later and concurrent callers get the
 * first outcome, success or failure; an interrupted run is not kept, so the next caller runs it.
 * Callers share the value: those that change it copy it first.
 */
const once = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  let outcome: Exit.Exit<A, E> | undefined
  const lock = Effect.unsafeMakeSemaphore(1)
  return lock.withPermits(1)(
    Effect.suspend(() =>
      outcome !== undefined ? outcome : Effect.onExit(effect, (exit) =>
        Effect.sync(() => {
          if (!Exit.isInterrupted(exit)) outcome = exit
        }))
    )
  )
}

/** The client for a config, with its own rate limiter. */
export const layer = (
  options: ApiOptions,
  requestsPerSecond: number
): Layer.Layer<SmartLeadApi, never, HttpTransport | Redaction | UserAgent> =>
  Layer.scoped(SmartLeadApi, make(options)).pipe(Layer.provide(RateLimit.layer(requestsPerSecond)))
