/**
 * The connector's configuration: one `effect/Schema` struct from which `spec` is generated and
 * against which every config file is decoded. Field order, titles, descriptions and examples
 * are the spec's; refinement messages are what a user sees when a value is wrong. The API key
 * is decoded into a `Redacted` so it cannot be printed by accident.
 */
import { Schema } from "effect"
import { isInstant } from "../airbyte/Instant.js"
import { fromSchema } from "../airbyte/JsonSchema.js"
import type { ConnectorSpecification } from "../airbyte/Protocol.js"

/** The longest lookback accepted: one year. */
export const MAX_LOOKBACK_SECONDS = 31_536_000

/** SmartLead's API root. */
export const DEFAULT_BASE_URL = "https://server.smartlead.ai/api/v1"

/** An ISO 8601 date-time with an offset, or a date alone (midnight UTC, as Meltano users write `start_date`). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/
const DATE_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2}))?$"

const got = (actual: unknown) => `(got ${JSON.stringify(actual)})`

/**
 * Whether a string is an ISO 8601 date-time with a zone naming a real instant (no February 30).
 * A date alone is accepted too: the runner turns it into midnight UTC before decoding
 * (`Conform.config`), and `Instant` reads it as UTC midnight anyway.
 */
export const isDateTime = (value: string): boolean => ISO_DATE_TIME.test(value) && isInstant(value)

const DateTime = Schema.String.pipe(
  Schema.filter(isDateTime, {
    message: (issue) =>
      `must be an ISO 8601 date-time such as 2025-03-01T00:00:00Z, or a date such as 2025-03-01 ${got(issue.actual)}`,
    jsonSchema: { format: "date-time", pattern: DATE_TIME_PATTERN }
  })
)

/**
 * Whether a URL's host is this machine: `localhost` (or a name under it), an IPv4 address in
 * 127.0.0.0/8, or `::1`. Only such a URL may be plain http: the API key is a query parameter.
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/\.$/, "")
  if (host === "localhost" || host.endsWith(".localhost")) return true
  if (host === "[::1]" || host === "::1") return true
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255)
}

const parseUrl = (value: string): URL | undefined => {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** `https://…`, or `http://` to a loopback host, with no query string or fragment (the spec's pattern). */
const BASE_URL_PATTERN =
  "^(https://|http://(localhost|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|\\[::1\\])([:/]|$))[^?#]*$"

const HttpUrl = Schema.String.pipe(
  Schema.filter((value) => {
    const url = parseUrl(value)
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
  }, { message: (issue) => `must be an http(s) URL ${got(issue.actual)}`, jsonSchema: { format: "uri" } }),
  Schema.filter((value) => {
    const url = parseUrl(value)
    return url === undefined || url.protocol === "https:" || isLoopbackHost(url.hostname)
  }, {
    message: (issue) =>
      `must start with https:// (the API key travels in the URL; plain http:// is allowed only to a loopback host: localhost, 127.0.0.0/8 or ::1) ${
        got(issue.actual)
      }`,
    // Without a jsonSchema annotation, JSONSchema.make skips this refinement and with it the
    // title, description, examples and default annotated on top of it. One pattern for both
    // rules: merged refinements keep only the last pattern.
    jsonSchema: { pattern: BASE_URL_PATTERN }
  }),
  Schema.filter((value) => !value.includes("?") && !value.includes("#"), {
    message: (issue) =>
      `must not have a query string or fragment (the connector adds its own parameters) ${got(issue.actual)}`,
    jsonSchema: { pattern: BASE_URL_PATTERN }
  })
)

const integer = (min: number, max?: number) => {
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`
  // a plain filter rather than Schema.int(), whose default title "int" and description "an integer"
  // would show up in the spec wherever no annotation overrides them (campaign_ids' items)
  return Schema.Number.pipe(
    Schema.filter((value) => Number.isSafeInteger(value), {
      message: (issue) => `must be an integer ${range} ${got(issue.actual)}`,
      jsonSchema: { type: "integer" }
    }),
    Schema.filter((value) => value >= min && (max === undefined || value <= max), {
      message: (issue) => `must be an integer ${range} ${got(issue.actual)}`,
      jsonSchema: { minimum: min, ...(max === undefined ? {} : { maximum: max }) }
    })
  )
}

const positiveNumber = Schema.Number.pipe(
  Schema.filter((value) => Number.isFinite(value) && value > 0, {
    message: (issue) => `must be a number > 0 ${got(issue.actual)}`,
    jsonSchema: { exclusiveMinimum: 0 }
  })
)

/** Lead statuses the API filters on (`status`). */
export const LeadStatus = Schema.Literal("STARTED", "INPROGRESS", "COMPLETED", "PAUSED", "STOPPED")
/** Email engagement filters (`emailStatus`). */
export const EmailStatus = Schema.Literal(
  "is_opened",
  "is_clicked",
  "is_bounced",
  "is_replied",
  "is_unsubscribed",
  "is_spam",
  "is_accepted",
  "not_replied",
  "is_sender_bounced"
)

const withDefault = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  Schema.optionalWith(schema.annotations({ default: value }), { default: () => value, exact: true })
const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

/** The decoded configuration. */
export const Config = Schema.Struct({
  api_key: Schema.Redacted(
    Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))
  ).annotations({
    title: "API key",
    description:
      "Your SmartLead API key (SmartLead → Settings → API key). Sent as the api_key query parameter; never logged.",
    jsonSchema: { airbyte_secret: true }
  }),
  base_url: withDefault(
    HttpUrl.annotations({
      title: "API base URL",
      description:
        "Root of the SmartLead API; it normally ends with /api/v1. It must start with https:// (the API key travels in the URL); plain http:// is accepted only to a loopback host (localhost, 127.0.0.0/8, ::1). Change it only for a proxy or a test server. Airbyte Cloud only reaches the hosts allowed in the connector's metadata (server.smartlead.ai), so other hosts work only on Airbyte Open Source or outside Airbyte.",
      examples: [DEFAULT_BASE_URL]
    }),
    DEFAULT_BASE_URL
  ),
  campaign_ids: optional(
    Schema.Array(integer(1)).annotations({
      title: "Campaign IDs",
      description:
        "Campaigns read by the per-campaign streams (leads, campaign_statistics, campaign_analytics, campaign_sequences). Leave empty to read every campaign of the account (GET /campaigns, once per sync).",
      examples: [[2710262, 549768]]
    })
  ),
  start_date: optional(DateTime.annotations({
    title: "Start date",
    description:
      "Only leads created and emails (campaign_statistics) sent after this instant (ISO 8601) are read: the lower bound of a campaign's first read and of every full read. A date alone (2025-03-01) means midnight UTC.",
    examples: ["2025-03-01T00:00:00Z", "2025-03-01"]
  })),
  lead_status: optional(LeadStatus.annotations({
    title: "Lead status",
    description: "Only leads with this status (API filter status)."
  })),
  lead_category_id: optional(
    integer(0).annotations({
      title: "Lead category ID",
      description: "Only leads in this category (see the lead_categories stream; 1 is Interested on most accounts).",
      examples: [1]
    })
  ),
  email_status: optional(EmailStatus.annotations({
    title: "Email status",
    description: "Only leads with this email engagement (API filter emailStatus)."
  })),
  last_sent_after: optional(DateTime.annotations({
    title: "Last sent after",
    description:
      "Only leads last emailed after this instant (API filter last_sent_time_gt). A date alone means midnight UTC.",
    examples: ["2025-03-01T00:00:00Z"]
  })),
  event_after: optional(DateTime.annotations({
    title: "Event after",
    description:
      "Only leads with an email event after this instant (API filter event_time_gt). A date alone means midnight UTC.",
    examples: ["2025-03-01T00:00:00Z"]
  })),
  page_size: withDefault(
    integer(1, 100).annotations({
      title: "Page size",
      description:
        "Leads per request (the API allows at most 100). Below 3 it is read as 3: each page asks again for the last 2 rows of the one before, to see rows move under the read."
    }),
    100
  ),
  lookback_window_seconds: withDefault(
    integer(0, MAX_LOOKBACK_SECONDS).annotations({
      title: "Lookback window (seconds)",
      description:
        "Incremental syncs re-read leads created this long before the saved cursor, for late-arriving leads (at most one year)."
    }),
    0
  ),
  reconcile_interval_hours: withDefault(
    integer(0).annotations({
      title: "Reconciliation interval (hours)",
      description:
        "Every campaign whose last full read of leads is older than this is read again in full during an incremental sync, so every change to a lead (status, category, custom fields) reaches the destination within this interval. 0 reads every campaign in full on every sync."
    }),
    168
  ),
  activity_sweep: withDefault(
    Schema.Boolean.annotations({
      title: "Activity sweep",
      description:
        "Incremental syncs also ask each campaign for leads with email activity (sends, opens, clicks, replies) since the previous sync, so those changes arrive with the next sync rather than at the next reconciliation."
    }),
    true
  ),
  statistics_lookback_days: withDefault(
    integer(0, 90).annotations({
      title: "Statistics lookback (days)",
      description:
        "Incremental syncs of campaign_statistics ask again for emails sent this many days before the saved sent_time cursor, so opens, clicks, replies and categories that arrive after sending reach the destination (which keeps the newest copy per primary key). From 0 to 90."
    }),
    14
  ),
  statistics_lookback_interval_hours: withDefault(
    integer(0, 720).annotations({
      title: "Statistics lookback interval (hours)",
      description:
        "How often each campaign's statistics lookback (statistics_lookback_days) is read again, spread over the syncs of the interval; the syncs in between read only emails sent since the cursor. Opens, clicks and replies on emails sent earlier reach the destination within this interval. 0 reads the lookback on every sync. At most 720."
    }),
    24
  ),
  inactive_campaign_interval_hours: withDefault(
    integer(0, 720).annotations({
      title: "Inactive campaign interval (hours)",
      description:
        "Campaigns that are PAUSED, COMPLETED, STOPPED or ARCHIVED (and, for leads, DRAFTED) are read once in this interval instead of every sync, spread over the syncs of the interval; a campaign whose status changed is read at once, ACTIVE ones every sync. Late replies, new leads and category changes in inactive campaigns reach the destination within this interval. 0 reads every campaign every sync. At most 720."
    }),
    24
  ),
  sequences_interval_hours: withDefault(
    integer(0, 2160).annotations({
      title: "Sequences interval (hours)",
      description:
        "Incremental syncs of campaign_sequences read each campaign's steps once in this interval, spread over its syncs, and at once when the campaign's updated_at or status changed (an edit). 0 reads every campaign every sync. At most 2160 (90 days)."
    }),
    168
  ),
  statistics_include_email_body: withDefault(
    Schema.Boolean.annotations({
      title: "Include email bodies in statistics",
      description:
        "Add email_message (the sent email's HTML, about 10 kB per row) to campaign_statistics records. Off by default: most warehouses do not need it, and campaign_sequences has the templates."
    }),
    false
  ),
  max_requests_per_second: withDefault(
    positiveNumber.annotations({
      title: "Max requests per second",
      description:
        "Client-side rate limit shared by all requests of a sync (greater than 0, fractions allowed, e.g. 0.25). SmartLead's standard plan allows 60 requests per minute and 1,000 per hour per key, shared with your other tools; the default of 1 stays inside the per-minute limit.",
      examples: [1, 0.25, 10]
    }),
    1
  ),
  max_retries: withDefault(
    integer(0, 20).annotations({
      title: "Max retries",
      description:
        "Retries of a failed request (429, 5xx, timeouts, connection errors, malformed responses) before the sync fails. From 0 to 20."
    }),
    5
  ),
  retry_initial_delay_ms: withDefault(
    integer(0).annotations({
      title: "Initial retry delay (ms)",
      description:
        "First backoff delay; each retry doubles it (with jitter, capped at 60 s). A Retry-After from the API wins when longer."
    }),
    1000
  ),
  request_timeout_seconds: withDefault(
    positiveNumber.annotations({
      title: "Request timeout (seconds)",
      description: "A request without a complete answer in this time (greater than 0) is abandoned and retried."
    }),
    60
  ),
  checkpoint_interval_seconds: withDefault(
    integer(0, 3600).annotations({
      title: "Checkpoint interval (seconds)",
      description:
        "The longest time between two STATE messages of an incremental stream while it reads (one is always written when the stream ends, and before a failed sync exits). A killed sync reads again at most this much of its progress. 0 writes one after every page."
    }),
    60
  ),
  max_wait_seconds: withDefault(
    integer(0).annotations({
      title: "Max wait (seconds)",
      description:
        "The longest pause the API may ask for (Retry-After, or a spent X-RateLimit budget). A longer one is not slept: the sync stops with a transient error naming the wait, and the next sync resumes where it stopped."
    }),
    900
  )
})
export type Config = typeof Config.Type

const connectionSpecification = (() => {
  const schema = fromSchema(Config)
  const properties = schema["properties"] as Record<string, Record<string, unknown>>
  Object.values(properties).forEach((property, index) => {
    property["order"] = index
  })
  return { ...schema, title: "SmartLead Source Spec", additionalProperties: true }
})()

/** The connector specification printed by `spec`. */
export const spec: ConnectorSpecification = {
  documentationUrl:
    "https://github.com/source-smartlead/source-smartlead/blob/main/docs/integrations/sources/smartlead.md",
  connectionSpecification
}
