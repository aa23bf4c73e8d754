/**
 * The HTTP transport under the SmartLead client, apart from what SmartLead's answers mean: one
 * GET, sent once the shared `RateLimit` hands out a slot, with the `UserAgent` and the secret
 * query parameters, bounded by the request timeout (one `Watchdog` fiber aborts overdue
 * requests), its body read as bytes; and the retry policy as an Effect `Schedule` — exponential
 * from the initial delay, jittered ×0.75–1.25, capped at 60 s, never shorter than the wait the
 * server asked for (Retry-After), at most `max_retries` times, only for retryable errors, each
 * wait a WARN log line (with a countdown every second for waits over 2 s). What a status or body
 * means, and which waits the server asks for, is `Api`'s. Requests make no tracing spans (a span
 * would record the URL, key included); every text an error carries is scrubbed by `Redaction`.
 * Every attempt, every retry and the time spent waiting for a rate-limit slot are reported to the
 * runner's `SyncStats`, which counts them to the stream being read.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpClientError } from "@effect/platform"
import type { Scope } from "effect"
import { Context, Duration, Effect, Schedule } from "effect"
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

/** An answer as received: any status, the body decoded as UTF-8. */
export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface TransportShape {
  /** One GET of `path` (shown as `request` in errors), after a rate-limit slot. */
  readonly send: (
    path: string,
    params: Readonly<Record<string, string>>,
    request: string
  ) => Effect.Effect<RawResponse, TransportError | InvalidResponse | RequestTimeout>
}

/** What the transport needs: an `HttpClient`, the shared `RateLimit`, `Redaction`, the `UserAgent` and a scope for its watchdog. */
export type Requirements = HttpClient.HttpClient | RateLimit.RateLimit | Redaction | UserAgent | Scope.Scope

/** Builds the transport; its request watchdog lives in the scope. */
export const make = (options: TransportOptions): Effect.Effect<TransportShape, never, Requirements> =>
  Effect.gen(function*() {
    // `withScope`: each request is aborted when its scope closes (by the watchdog, on timeout);
    // the response is then neither wrapped nor tracked by a FinalizationRegistry.
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false), HttpClient.withScope)
    const limiter = yield* RateLimit.RateLimit
    const watchdog = yield* Watchdog.make(options.requestTimeoutMs)
    const { scrub } = yield* Redaction
    const headers = { "user-agent": yield* UserAgent, accept: "application/json" }
    const base = options.baseUrl.replace(/\/+$/, "")

    const transportDetail = (error: HttpClientError.HttpClientError): string => {
      const cause = error.cause as
        | { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } }
        | undefined
      const code = cause?.code ?? cause?.cause?.code
      const message = cause?.cause?.message ?? cause?.message ?? error.message
      return scrub(typeof code === "string" ? `${code}: ${String(message)}` : String(message))
    }

    const exchange = (path: string, params: Readonly<Record<string, string>>, request: string) =>
      watchdog.bound(
        Effect.gen(function*() {
          const response = yield* client.execute(
            HttpClientRequest.get(base + path, { urlParams: { ...params, ...options.secretParams }, headers })
          )
          // The client (`HttpTransport` on Node) has read the body with the headers: this is its text.
          const body = yield* response.text
          return { status: response.status, headers: response.headers, body } satisfies RawResponse
        }).pipe(
          Effect.withTracerEnabled(false),
          Effect.catchAll((error): Effect.Effect<never, TransportError | InvalidResponse> =>
            error._tag === "RequestError"
              ? Effect.fail(new TransportError({ request, detail: transportDetail(error) }))
              : Effect.fail(
                new InvalidResponse({ request, detail: `the body could not be read (${transportDetail(error)})` })
              )
          )
        ),
        () => new RequestTimeout({ request, timeoutMs: options.requestTimeoutMs })
      )

    const send = (path: string, params: Readonly<Record<string, string>>, request: string) =>
      Effect.zipRight(
        SyncStats.waitingForRateLimit(limiter.take),
        Effect.suspend(() => Effect.zipRight(SyncStats.countRequest, exchange(path, params, request)))
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
 * The delays between attempts: exponential from `retryInitialDelayMs`, jittered ×0.75–1.25 (from
 * Effect's `Random`), capped at `MAX_BACKOFF_MS`, never shorter than a Retry-After; at most
 * `maxRetries` retries, of retryable errors only. Outputs the retry number (0-based) and the error.
 */
export const retrySchedule = (
  options: RetryOptions
): Schedule.Schedule<readonly [number, ApiError], ApiError> =>
  Schedule.exponential(Duration.millis(options.retryInitialDelayMs)).pipe(
    Schedule.jitteredWith({ min: 0.75, max: 1.25 }),
    Schedule.intersect(Schedule.recurs(options.maxRetries)),
    Schedule.intersect(Schedule.identity<ApiError>()),
    Schedule.whileInput(isRetryable),
    Schedule.map(([[, retry], error]) => [retry, error] as const),
    Schedule.modifyDelay(([, error], delay) =>
      Duration.millis(Math.max(Math.min(Math.round(Duration.toMillis(delay)), MAX_BACKOFF_MS), askedMs(error)))
    )
  )

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
 * `attempt`, retried on `retrySchedule`. Each wait is a WARN log line naming the error; the wait
 * itself is slept by `waitFor` (for its countdown), so the schedule's own delay is spent there.
 */
export const withRetries = <A>(
  attempt: Effect.Effect<A, ApiError>,
  options: RetryOptions,
  request: string
): Effect.Effect<A, ApiError> =>
  Effect.retry(
    attempt,
    retrySchedule(options).pipe(
      Schedule.modifyDelayEffect(([retry, error], delay) => {
        const delayMs = Duration.toMillis(delay)
        return SyncStats.countRetry.pipe(
          Effect.zipRight(Effect.logWarning(
            `Retrying in ${(delayMs / 1000).toFixed(1)} s (retry ${retry + 1} of ${options.maxRetries}): ${
              describe(error)
            }`
          )),
          Effect.zipRight(waitFor(delayMs, request)),
          Effect.as(Duration.zero)
        )
      })
    )
  )
