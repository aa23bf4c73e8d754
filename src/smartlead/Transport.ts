/**
 * The HTTP transport under the SmartLead client, apart from what SmartLead's answers mean: one
 * GET, sent once the shared `RateLimit` hands out a slot, with the `UserAgent` and the secret
 * query parameters, bounded by the request timeout (one `Watchdog` fiber aborts overdue
 * requests), its body read as text by the runner's `HttpTransport`; and the retry policy — exponential
 * from the initial delay, jittered ×0.75–1.25, capped at 60 s, never shorter than the wait the
 * server asked for (Retry-After), at most `max_retries` times, only for retryable errors, each
 * wait a WARN log line (with a countdown every second for waits over 2 s). What a status or body
 * means, and which waits the server asks for, is `Api`'s. Requests make no tracing spans (a span
 * would record the URL, key included); every text an error carries is scrubbed by `Redaction`.
 * Every attempt, every retry and the time spent waiting for a rate-limit slot are reported to the
 * runner's `SyncStats`, which counts them to the stream being read.
 */
import type { Scope } from "effect"
import { Context, Duration, Effect, Random } from "effect"
import type { HttpRequestFailed, HttpResponse } from "../airbyte/HttpTransport.js"
import { HttpTransport } from "../airbyte/HttpTransport.js"
import { Redaction } from "../airbyte/Redaction.js"
import * as SyncStats from "../airbyte/SyncStats.js"
import type { ApiError } from "./Errors.js"
import { describe, InvalidResponse, isRetryable, RequestTimeout, TransportError } from "./Errors.js"
import * as RateLimit from "./RateLimit.js"
import * as Watchdog from "./Watchdog.js"

/** The User-Agent of every request (`source-smartlead/1.2.3`), given by the program's wiring. */
export class UserAgent extends Context.Tag("smartlead/UserAgent")<UserAgent, string>() {}

/** The longest backoff between two attempts. */
export const MAX_BACKOFF_MS = 60_000

/** How requests are sent. */
export interface TransportOptions {
  readonly baseUrl: string
  /** Query parameters added to every request and never shown (the API key). */
  readonly secretParams: Readonly<Record<string, string>>
  readonly requestTimeoutMs: number
}

/** An answer as received: any status, the body decoded as UTF-8 (the runner's `HttpResponse`). */
export type RawResponse = HttpResponse

export interface TransportShape {
  /** One GET of `path` (shown as `request` in errors), after a rate-limit slot. */
  readonly send: (
    path: string,
    params: Readonly<Record<string, string>>,
    request: string
  ) => Effect.Effect<RawResponse, TransportError | InvalidResponse | RequestTimeout>
}

/** What the transport needs: the runner's `HttpTransport`, the shared `RateLimit`, `Redaction`, the `UserAgent` and a scope for its watchdog. */
export type Requirements = HttpTransport | RateLimit.RateLimit | Redaction | UserAgent | Scope.Scope

/** The query string of `params` (form-encoded, as a URL's `searchParams` writes it). */
const queryOf = (params: Readonly<Record<string, string>>): string => new URLSearchParams(params).toString()

/** Builds the transport; its request watchdog lives in the scope. */
export const make = (options: TransportOptions): Effect.Effect<TransportShape, never, Requirements> =>
  Effect.gen(function*() {
    const http = yield* HttpTransport
    const limiter = yield* RateLimit.RateLimit
    const watchdog = yield* Watchdog.make(options.requestTimeoutMs)
    const { scrub } = yield* Redaction
    const headers = { "user-agent": yield* UserAgent, accept: "application/json" }
    const base = options.baseUrl.replace(/\/+$/, "")

    /** What went wrong, as a line without secrets: the system error's code and message. */
    const detailOf = (error: HttpRequestFailed): string => {
      const cause = error.cause as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | undefined
      const code = cause?.code ?? cause?.cause?.code
      const message = cause?.message ?? String(error.cause)
      return scrub(typeof code === "string" ? `${code}: ${String(message)}` : String(message))
    }

    const exchange = (path: string, params: Readonly<Record<string, string>>, request: string) => {
      const url = `${base}${path}?${queryOf({ ...params, ...options.secretParams })}`
      return watchdog.bound(
        (signal) =>
          Effect.catchAll(
            http.get(url, headers, signal),
            (error): Effect.Effect<never, TransportError | InvalidResponse> =>
              Effect.fail(
                error.reason === "Transport"
                  ? new TransportError({ request, detail: detailOf(error) })
                  : new InvalidResponse({ request, detail: `the body could not be read (${detailOf(error)})` })
              )
          ),
        () => new RequestTimeout({ request, timeoutMs: options.requestTimeoutMs })
      )
    }

    const send = (path: string, params: Readonly<Record<string, string>>, request: string) =>
      Effect.zipRight(
        limiter.take,
        Effect.zipRight(SyncStats.countRequest, Effect.suspend(() => exchange(path, params, request)))
      )

    return { send } satisfies TransportShape
  })

/** Retry-After in ms: delta-seconds or an HTTP date, relative to `now`. */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** How often, and from which first delay, a request is retried. */
export interface RetryOptions {
  readonly maxRetries: number
  readonly retryInitialDelayMs: number
}

/** The wait the server asked for before another attempt, in ms (0 if it did not say). */
const askedMs = (error: ApiError): number => (error._tag === "RateLimited" ? error.retryAfterMs ?? 0 : 0)

/**
 * The wait before retry `retry` (0-based) after `error`: exponential from `retryInitialDelayMs`,
 * jittered ×0.75–1.25 by `random` (in [0, 1)), capped at `MAX_BACKOFF_MS`, never shorter than a
 * Retry-After.
 */
export const retryDelayMs = (retry: number, error: ApiError, retryInitialDelayMs: number, random: number): number => {
  const base = retryInitialDelayMs * 2 ** retry
  const jittered = base * 0.75 * (1 - random) + base * 1.25 * random
  return Math.max(Math.min(Math.round(jittered), MAX_BACKOFF_MS), askedMs(error))
}

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
        Effect.zipRight(Effect.logInfo(`Waiting ${Math.ceil((left - 1000) / 1000)} s more before retrying ${request}`)),
        Effect.zipRight(Effect.suspend(() => tick(left - 1000)))
      )
  return tick(delayMs)
}

/**
 * `attempt`, retried at most `maxRetries` times while its error is retryable, after the waits of
 * `retryDelayMs` (the jitter from Effect's `Random`). Each wait is a WARN log line naming the
 * error, slept by `waitFor` (for its countdown). An attempt that succeeds costs one step more
 * than the attempt alone (a `Schedule` driver cost some thirty per request: bench/HOT-PATH.md §7).
 */
export const withRetries = <A>(
  attempt: Effect.Effect<A, ApiError>,
  options: RetryOptions,
  request: string
): Effect.Effect<A, ApiError> => {
  const from = (retry: number): Effect.Effect<A, ApiError> =>
    Effect.catchAll(attempt, (error) =>
      retry >= options.maxRetries || !isRetryable(error)
        ? Effect.fail(error)
        : Effect.flatMap(Random.next, (random) => {
          const delayMs = retryDelayMs(retry, error, options.retryInitialDelayMs, random)
          return SyncStats.countRetry.pipe(
            Effect.zipRight(Effect.logWarning(
              `Retrying in ${(delayMs / 1000).toFixed(1)} s (retry ${retry + 1} of ${options.maxRetries}): ${
                describe(error)
              }`
            )),
            Effect.zipRight(waitFor(delayMs, request)),
            Effect.zipRight(Effect.suspend(() => from(retry + 1)))
          )
        }))
  return from(0)
}
