/**
 * The SmartLead source as the Airbyte runner sees it: spec and config schema, the services
 * built from a config (the API client and the campaign list the per-campaign streams share), the
 * connection check, the streams and how their errors are reported. The check validates the key
 * with one request (GET /campaigns; a 404 there names base_url, which then lacks /api/v1) and
 * names any configured campaign the account does not have; it retries at most once and waits at most
 * 10 s per request so that `check` always answers promptly.
 */
import { Effect, Layer } from "effect"
import type { HttpTransport } from "../airbyte/HttpTransport.js"
import type { Source } from "../airbyte/Source.js"
import * as Api from "./Api.js"
import * as CampaignList from "./CampaignList.js"
import type { Config as ConfigType } from "./Config.js"
import { Config, DEFAULT_BASE_URL, spec } from "./Config.js"
import type { SmartLeadError } from "./Errors.js"
import { NotFound, report } from "./Errors.js"
import { campaignAnalytics } from "./streams/CampaignAnalytics.js"
import { campaigns, leadCategories } from "./streams/Campaigns.js"
import { campaignSequences } from "./streams/CampaignSequences.js"
import { campaignStatistics } from "./streams/CampaignStatistics.js"
import { emailAccounts } from "./streams/EmailAccounts.js"
import { leads } from "./streams/Leads.js"
import type { UserAgent } from "./Transport.js"

const CHECK_REQUEST_TIMEOUT_MS = 10_000

/** `base_url` as it may be printed: no user name or password, no query (the config allows none). */
const shownBaseUrl = (baseUrl: string): string => {
  try {
    const url = new URL(baseUrl)
    return url.username === "" && url.password === "" ? baseUrl : `${url.origin}${url.pathname}`
  } catch {
    return "(not a URL)"
  }
}

/** A 404 on check's first request says the API root is wrong, not a campaign: name base_url. */
const baseUrlHint = (config: ConfigType) => (error: NotFound) =>
  new NotFound({
    request: error.request,
    detail: `${error.detail}; nothing answers at base_url ${
      shownBaseUrl(config.base_url)
    }: check base_url, which normally ends with /api/v1 (${DEFAULT_BASE_URL})`
  })

const check = (config: ConfigType) =>
  Effect.gen(function*() {
    const api = yield* Api.SmartLeadApi
    const available = yield* api.listCampaigns.pipe(
      Effect.catchTag("NotFound", (error) => Effect.fail(baseUrlHint(config)(error)))
    )
    const ids = new Set(available.map((campaign) => campaign["id"]))
    const missing = (config.campaign_ids ?? []).filter((id) => !ids.has(id))
    if (missing.length > 0) {
      return yield* new NotFound({
        request: "GET /campaigns",
        detail: `campaign_ids ${missing.join(", ")} ${
          missing.length === 1 ? "is" : "are"
        } not among the account's ${available.length} campaigns`
      })
    }
  })

/** The SmartLead source. */
export const SmartLeadSource: Source<
  ConfigType,
  typeof Config.Encoded,
  SmartLeadError,
  Api.SmartLeadApi | CampaignList.CampaignList,
  HttpTransport | UserAgent
> = {
  description:
    "Leads (incremental), campaigns, lead categories, campaign statistics (incremental), campaign analytics, sequences and email accounts from the SmartLead cold-email platform's API",
  examples: {
    read: [
      "read --config config.json --records-only | jq .email",
      "read --config config.json --format csv --columns email,first_name,custom_fields.job_title > leads.csv"
    ]
  },
  spec,
  configSchema: Config,
  layer: (config) =>
    CampaignList.layer(config).pipe(
      Layer.provideMerge(Api.layer(Api.optionsFromConfig(config), config.max_requests_per_second))
    ),
  check: (config) =>
    check(config).pipe(
      Effect.provide(
        Layer.fresh(Api.layer({
          ...Api.optionsFromConfig(config),
          maxRetries: Math.min(config.max_retries, 1),
          requestTimeoutMs: Math.min(config.request_timeout_seconds * 1000, CHECK_REQUEST_TIMEOUT_MS)
        }, Math.max(config.max_requests_per_second, 1)))
      )
    ),
  streams: [leads, campaigns, leadCategories, campaignStatistics, campaignAnalytics, campaignSequences, emailAccounts],
  bareStateStream: "leads",
  describeError: report
}
