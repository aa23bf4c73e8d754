/**
 * What can go wrong talking to SmartLead, as tagged errors. Each carries the request it concerns
 * as a display string with the API key removed (`GET /campaigns/1/leads?offset=0&limit=100`),
 * so messages built from them are safe to print. `isRetryable` says which are worth another
 * attempt; `report` is how the CLI edge turns them into an Airbyte `failure_type` and message.
 */
import { Data } from "effect"
import type { PartitionsFailed } from "../airbyte/Partitioned.js"
import type { FailureReport } from "../airbyte/Source.js"

/**
 * `Data.TaggedError(tag)` whose `message` is `describe` of the error: the base of every
 * `ApiError`, typed as `Data.TaggedError`'s own constructor.
 */
const ApiErrorOf = <Tag extends string>(tag: Tag): ReturnType<typeof Data.TaggedError<Tag>> => {
  class WithMessage extends Data.TaggedError(tag) {
    override get message(): string {
      return describe(this as unknown as ApiError)
    }
  }
  return WithMessage as unknown as ReturnType<typeof Data.TaggedError<Tag>>
}

/** 401 or 403: the key is wrong, revoked or lacks access. */
export class Unauthorized extends ApiErrorOf("Unauthorized")<{
  readonly request: string
  readonly status: number
  readonly detail: string
}> {}

/** 404: the campaign (or endpoint) does not exist for this key. */
export class NotFound extends ApiErrorOf("NotFound")<{
  readonly request: string
  readonly detail: string
}> {}

/** 429: too many requests; `retryAfterMs` is the wait the API asked for, if it said. */
export class RateLimited extends ApiErrorOf("RateLimited")<{
  readonly request: string
  readonly retryAfterMs: number | undefined
}> {}

/** 5xx, as JSON or as an HTML page from a proxy. */
export class ServerError extends ApiErrorOf("ServerError")<{
  readonly request: string
  readonly status: number
  readonly detail: string
}> {}

/** Other 4xx (400, 422, …): the request itself is wrong; retrying will not help. */
export class ClientError extends ApiErrorOf("ClientError")<{
  readonly request: string
  readonly status: number
  readonly detail: string
}> {}

/** No complete answer within the request timeout. */
export class RequestTimeout extends ApiErrorOf("RequestTimeout")<{
  readonly request: string
  readonly timeoutMs: number
}> {}

/** The connection failed: refused, reset, DNS. */
export class TransportError extends ApiErrorOf("TransportError")<{
  readonly request: string
  readonly detail: string
}> {}

/** A 2xx whose body is not what was expected: not JSON, HTML, cut short, `{}` or the wrong shape. */
export class InvalidResponse extends ApiErrorOf("InvalidResponse")<{
  readonly request: string
  readonly detail: string
}> {}

/** The API asked for a pause longer than `max_wait_seconds` (Retry-After or X-RateLimit-*): not slept. */
export class WaitTooLong extends ApiErrorOf("WaitTooLong")<{
  readonly request: string
  readonly waitMs: number
  readonly maxWaitMs: number
  readonly source: string
}> {}

/** Any error of a single API call. */
export type ApiError =
  | Unauthorized
  | NotFound
  | RateLimited
  | ServerError
  | ClientError
  | RequestTimeout
  | TransportError
  | InvalidResponse
  | WaitTooLong

/** Some campaigns of a per-campaign stream could not be read; the others were (the runner's `PartitionsFailed`). */
export type CampaignsFailed = PartitionsFailed<ApiError>

/** Every error the SmartLead source can fail with. */
export type SmartLeadError = ApiError | CampaignsFailed

/** Whether another attempt of the same request may succeed. */
export const isRetryable = (error: ApiError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "ServerError":
    case "RequestTimeout":
    case "TransportError":
    case "InvalidResponse":
      return true
    default:
      return false
  }
}

/** A one-line, key-free description of an API error. */
export const describe = (error: ApiError): string => {
  switch (error._tag) {
    case "Unauthorized":
      return `SmartLead refused the API key (HTTP ${error.status}: ${error.detail}) on ${error.request}. Check api_key in the config.`
    case "NotFound":
      return `SmartLead answered 404 Not Found (${error.detail}) on ${error.request}`
    case "RateLimited":
      return `SmartLead kept answering 429 Too Many Requests on ${error.request}${
        error.retryAfterMs === undefined ? "" : ` (asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s)`
      }; lower max_requests_per_second`
    case "ServerError":
      return `SmartLead answered HTTP ${error.status} (${error.detail}) on ${error.request}`
    case "ClientError":
      return `SmartLead rejected the request with HTTP ${error.status} (${error.detail}) on ${error.request}`
    case "RequestTimeout":
      return `No answer from SmartLead within ${error.timeoutMs / 1000} s on ${error.request}`
    case "TransportError":
      return `Could not reach SmartLead (${error.detail}) on ${error.request}`
    case "InvalidResponse":
      return `SmartLead sent an unusable response (${error.detail}) on ${error.request}`
    case "WaitTooLong":
      return `SmartLead asked to wait ${
        Math.ceil(error.waitMs / 1000)
      } s (${error.source}) on ${error.request}, longer than max_wait_seconds (${
        Math.round(error.maxWaitMs / 1000)
      } s); the sync stops here and the next one resumes`
  }
}

const failureType = (error: ApiError): FailureReport["failureType"] => {
  if (error._tag === "Unauthorized") return "config_error"
  if (error._tag === "NotFound" || error._tag === "ClientError") return "system_error"
  return "transient_error"
}

/** The Airbyte failure report of an error; used only at the CLI edge. */
export const report = (error: SmartLeadError): FailureReport => {
  if (error._tag !== "PartitionsFailed") return { failureType: failureType(error), message: describe(error) }
  const missing = error.failures.filter(({ error }) => error._tag === "NotFound").map(({ partition }) => partition)
  const others = error.failures.filter(({ error }) => error._tag !== "NotFound")
  const parts = [
    ...(missing.length > 0
      ? [
        `campaign${missing.length > 1 ? "s" : ""} ${
          missing.join(", ")
        } not found (deleted, or not visible to this API key)`
      ]
      : []),
    ...others.map(({ error, partition }) => `campaign ${partition}: ${describe(error)}`)
  ]
  const types = error.failures.map(({ error }) => failureType(error))
  const type = types.includes("config_error")
    ? "config_error"
    : types.includes("system_error")
    ? "system_error"
    : "transient_error"
  return {
    failureType: type,
    message: `${error.stream} of ${error.failures.length} campaign${
      error.failures.length > 1 ? "s" : ""
    } could not be read: ${parts.join("; ")}. The other campaigns were read${
      error.resumable ? " and checkpointed; the next sync resumes the failed ones" : ""
    }.`
  }
}
