/**
 * The simulator's engagement endpoints, in the shapes live accounts return:
 *   GET /campaigns/:id/statistics?offset&limit[&sent_time_start_date&sent_time_end_date&email_status&email_sequence_number]
 *                                                                       one row per email sent
 *   GET /campaigns/:id/analytics                                        one object per campaign
 *   GET /campaigns/:id/sequences                                        a bare array of steps
 *   GET /email-accounts/?offset&limit                                   a bare array, limit ≤ 100
 * Counts come as strings on even-indexed campaigns (and every other email account), `stats_id`
 * as a number on even-indexed campaigns and a UUID-like string on odd ones, odd campaigns name
 * their variants `seq_variants`, and email accounts carry credentials (`password`,
 * `imap_password`, `smtp_password`, tokens and secrets nested in objects and arrays).
 * `sent_time_start_date` must be in the backend's format (`2023-10-16 10:33:02.000Z`, else 422)
 * and keeps emails sent at or after it; `sent_time_end_date` (same format) those sent before it;
 * `email_status` (`opened`, `clicked`, `replied`, `unsubscribed`, `bounced`) those with that
 * event, and `email_sequence_number` (`1,2`) those of these steps. Drafted campaigns have sent nothing.
 *
 * Data is made per campaign on first use, deterministically from the seed and the campaign id.
 * Tests change it between syncs through the live objects (`sends(id)[3].replyTime = …`) and
 * `addSends`; `setDocumented(endpoint, true)` makes an endpoint answer the shape SmartLead's docs
 * show instead. Node builtins only.
 */
import type { Rng, SimCampaign, SimLead } from "./data.js"
import { makeRng, toIso } from "./data.js"

/** An email sent (one `campaign_statistics` row). */
export interface SimSend {
  campaignId: number
  /** digits on even-indexed campaigns (served as a number), UUID-like on odd ones */
  statsId: string
  leadId: number
  leadName: string
  leadEmail: string
  leadCategory: string | null
  sequenceNumber: number
  emailCampaignSeqId: number
  seqVariantId: number | null
  emailSubject: string
  emailMessage: string
  sentTime: string
  openTime: string | null
  clickTime: string | null
  replyTime: string | null
  openCount: number
  clickCount: number
  isUnsubscribed: boolean
  isBounced: boolean
}

/** A variant of a sequence step (A/B test). */
export interface SimVariant {
  id: number
  variantLabel: string
  subject: string
  emailBody: string
}

/** A step of a campaign's sequence. */
export interface SimStep {
  id: number
  campaignId: number
  seqNumber: number
  subject: string
  emailBody: string
  delayInDays: number
  createdAt: string
  updatedAt: string
  variants: Array<SimVariant>
}

/** A sending mailbox. `credentials` are the values that must never leave the connector. */
export interface SimEmailAccount {
  id: number
  fromEmail: string
  fromName: string
  type: string
  messagePerDay: number
  dailySentCount: number
  isSmtpSuccess: boolean
  isImapSuccess: boolean
  smtpFailureError: string | null
  warmupStatus: string
  warmupReputation: string
  warmupSent: number
  warmupSpam: number
  warmupReplyRate: number
  warmupBlocked: boolean
  clientId: number | null
  campaignCount: number
  createdAt: string
  updatedAt: string
  credentials: {
    password: string
    imapPassword: string
    /** on odd accounts only ("some routes") */
    smtpPassword: string | null
    accessToken: string
    refreshToken: string
    clientSecret: string
    headerToken: string
  }
}

export type EngagementEndpoint = "statistics" | "analytics" | "sequences" | "email_accounts"

export interface EngagementOptions {
  /** Emails sent per (non-drafted) campaign: a count for all, or one per campaign index (default 12). */
  sendsPerCampaign?: number | ReadonlyArray<number>
  /** Email accounts (default 3). */
  emailAccounts?: number
  /** Order of statistics rows (default ascending by sent_time). */
  statisticsOrder?: "ascending" | "descending"
  /** Endpoints answering in SmartLead's documented shape from the start. */
  documented?: ReadonlyArray<EngagementEndpoint>
}

export interface Engagement {
  /** A campaign's emails sent (all campaigns when omitted), ascending by sent_time; the live objects. */
  sends(campaignId?: number): ReadonlyArray<SimSend>
  /** New emails of a campaign, sent after every existing one (or all at `sentAt`). */
  addSends(campaignId: number, count: number, sentAt?: string): ReadonlyArray<SimSend>
  /** New emails of a campaign, one sent at each instant (epoch ms) given, whatever the existing ones. */
  addSendsAt(campaignId: number, times: ReadonlyArray<number>): ReadonlyArray<SimSend>
  /** A campaign's sequence steps; the live objects. */
  steps(campaignId: number): ReadonlyArray<SimStep>
  /** The email accounts; the live objects. */
  emailAccounts(): ReadonlyArray<SimEmailAccount>
  /** Every credential value the email accounts carry. */
  credentialValues(): ReadonlyArray<string>
  /** Makes an endpoint answer SmartLead's documented shape (or the live one again). */
  setDocumented(endpoint: EngagementEndpoint, documented: boolean): void
}

/** A route of this module: the path segments after /api/v1. */
export type EngagementRoute =
  | {
    readonly endpoint: "statistics" | "analytics" | "sequences"
    readonly rawId: string
    readonly campaignId?: number
  }
  | { readonly endpoint: "email_accounts" }

/** Whether path segments (after /api/v1, no trailing slash) are one of this module's routes. */
export const engagementRoute = (parts: ReadonlyArray<string>): EngagementRoute | undefined => {
  if (parts.length === 1 && parts[0] === "email-accounts") return { endpoint: "email_accounts" }
  if (parts.length !== 3 || parts[0] !== "campaigns") return undefined
  const endpoint = parts[2]
  if (endpoint !== "statistics" && endpoint !== "analytics" && endpoint !== "sequences") return undefined
  const rawId = parts[1] ?? ""
  const id = /^\d+$/.test(rawId) ? Number(rawId) : undefined
  return id !== undefined && Number.isSafeInteger(id) ? { endpoint, rawId, campaignId: id } : { endpoint, rawId }
}

/** An answer: status and JSON body. */
export interface EngagementAnswer {
  readonly status: number
  readonly body: unknown
}

/** The backend's format for sent_time_start_date (and sent_time_end_date). */
export const SENT_TIME_START_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** The statistics endpoint's `email_status` values, and which emails each keeps. */
export const STATISTICS_EMAIL_STATUS: Readonly<Record<string, (send: SimSend) => boolean>> = {
  opened: (send) => send.openTime !== null || send.openCount > 0,
  clicked: (send) => send.clickTime !== null || send.clickCount > 0,
  replied: (send) => send.replyTime !== null,
  unsubscribed: (send) => send.isUnsubscribed,
  bounced: (send) => send.isBounced
}

const STATS_ID_BASE = 48_213_000
const STEP_ID_BASE = 7_340_000
const VARIANT_ID_BASE = 912_000
const ACCOUNT_ID_BASE = 3_120_400
const SEND_SPACING_MS: readonly [number, number] = [90_000, 7_200_000]

const uuidLike = (rng: Rng): string => {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join("")
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`
}

const campaignSeed = (seed: number, campaignId: number) => (seed * 2_654_435_761 + campaignId) >>> 0

const NOT_FOUND: EngagementAnswer = { status: 404, body: { error: "Campaign not found - Invalid campaign_id." } }
const unprocessable = (message: string): EngagementAnswer => ({ status: 422, body: { error: message } })

const intParam = (
  query: Record<string, string>,
  name: string,
  min: number,
  max: number,
  fallback: number
): number | EngagementAnswer => {
  const raw = query[name]
  if (raw === undefined || raw === "") return fallback
  if (!/^-?\d+$/.test(raw)) return unprocessable(`${name} must be an integer`)
  const n = Number(raw)
  if (n < min) return unprocessable(`${name} must be greater than or equal to ${min}`)
  if (n > max) return unprocessable(`${name} must be less than or equal to ${max}`)
  return n
}

/** Builds the engagement data and handlers over the simulator's campaigns and leads. */
export const makeEngagement = (input: {
  readonly seed: number
  readonly baseMs: number
  readonly options: EngagementOptions
  readonly campaigns: () => ReadonlyArray<SimCampaign>
  readonly leads: (campaignId: number) => ReadonlyArray<SimLead>
}) => {
  const { baseMs, options, seed } = input
  const documented = new Set<EngagementEndpoint>(options.documented ?? [])
  const sendsByCampaign = new Map<number, Array<SimSend>>()
  const stepsByCampaign = new Map<number, Array<SimStep>>()
  const rngs = new Map<number, Rng>()
  let accounts: Array<SimEmailAccount> | undefined

  const indexOf = (campaignId: number) => input.campaigns().findIndex((c) => c.id === campaignId)
  const rngOf = (campaignId: number): Rng => {
    let rng = rngs.get(campaignId)
    if (rng === undefined) rngs.set(campaignId, rng = makeRng(campaignSeed(seed, campaignId)))
    return rng
  }

  const stepsOf = (campaignId: number): Array<SimStep> => {
    let steps = stepsByCampaign.get(campaignId)
    if (steps !== undefined) return steps
    const index = Math.max(0, indexOf(campaignId))
    const created = toIso(baseMs - 20 * 86_400_000 + index * 3_600_000)
    steps = [1, 2, 3].map((seqNumber) => {
      const id = STEP_ID_BASE + index * 10 + seqNumber
      const variantCount = seqNumber === 1 ? 2 : seqNumber === 2 ? 1 : 0
      return {
        id,
        campaignId,
        seqNumber,
        subject: seqNumber === 1 ? "Quick question, {{first_name}}" : seqNumber === 2 ? "Re: Quick question" : "",
        emailBody: `<p>Hi {{first_name}},</p><p>Step ${seqNumber} of campaign ${campaignId}.</p>`,
        delayInDays: seqNumber === 1 ? 0 : seqNumber === 2 ? 3 : 7,
        createdAt: created,
        updatedAt: created,
        variants: Array.from({ length: variantCount }, (_, v) => ({
          id: VARIANT_ID_BASE + index * 100 + seqNumber * 10 + v,
          variantLabel: String.fromCharCode(65 + v),
          subject: `Variant ${String.fromCharCode(65 + v)}: quick question`,
          emailBody: `<p>Variant ${String.fromCharCode(65 + v)} of step ${seqNumber}</p>`
        }))
      }
    })
    stepsByCampaign.set(campaignId, steps)
    return steps
  }

  // One string per distinct body (the HTML does not depend on the lead), so that accounts of
  // hundreds of thousands of emails sent hold each body once.
  const messages = new Map<string, string>()
  const messageOf = (body: string): string => {
    let message = messages.get(body)
    if (message === undefined) {
      message = `<html><body>${body}<p>${"Lorem ipsum dolor sit amet. ".repeat(8)}</p></body></html>`
      messages.set(body, message)
    }
    return message
  }

  const makeSend = (campaignId: number, n: number, sentMs: number): SimSend => {
    const rng = rngOf(campaignId)
    const index = Math.max(0, indexOf(campaignId))
    const leads = input.leads(campaignId)
    const lead = leads.length > 0 ? leads[n % leads.length] : undefined
    const steps = stepsOf(campaignId)
    const step = steps[n % steps.length]!
    const variant = step.variants.length === 0 ? null : step.variants[rng.int(0, step.variants.length - 1)]!
    const opened = rng.chance(0.55)
    const clicked = opened && rng.chance(0.3)
    const replied = rng.chance(0.15)
    const bounced = !opened && !replied && rng.chance(0.05)
    const at = (minMinutes: number, maxMinutes: number) =>
      toIso(sentMs + rng.int(minMinutes, maxMinutes) * 60_000 + rng.int(0, 999))
    const name = lead === undefined ? `Lead ${n}` : [lead.firstName, lead.lastName].filter((x) => x !== null).join(" ")
    return {
      campaignId,
      statsId: index % 2 === 0 ? String(STATS_ID_BASE + index * 1_000_000 + n) : uuidLike(rng),
      leadId: lead?.id ?? 0,
      leadName: name,
      leadEmail: lead?.email ?? `lead.${n}@c${campaignId}.example.com`,
      leadCategory: replied ? rng.pick(["Interested", "Not Interested", "Meeting Booked"]) : null,
      sequenceNumber: step.seqNumber,
      emailCampaignSeqId: step.id,
      seqVariantId: variant?.id ?? null,
      emailSubject: variant?.subject ?? step.subject,
      emailMessage: messageOf(variant?.emailBody ?? step.emailBody),
      sentTime: toIso(sentMs),
      openTime: opened ? at(5, 600) : null,
      clickTime: clicked ? at(601, 900) : null,
      replyTime: replied ? at(60, 2000) : null,
      openCount: opened ? rng.int(1, 4) : 0,
      clickCount: clicked ? rng.int(1, 2) : 0,
      isUnsubscribed: rng.chance(0.03),
      isBounced: bounced
    }
  }

  const sendsOf = (campaignId: number): Array<SimSend> => {
    let sends = sendsByCampaign.get(campaignId)
    if (sends !== undefined) return sends
    const index = indexOf(campaignId)
    const campaign = input.campaigns()[index]
    const per = options.sendsPerCampaign ?? 12
    const count = campaign === undefined || campaign.status === "DRAFTED"
      ? 0
      : typeof per === "number"
      ? per
      : (per[index] ?? 0)
    const rng = rngOf(campaignId)
    let t = baseMs + index * 3_600_000
    sends = Array.from({ length: count }, (_, n) => makeSend(campaignId, n, t += rng.int(...SEND_SPACING_MS)))
    sendsByCampaign.set(campaignId, sends)
    return sends
  }

  const accountsOf = (): Array<SimEmailAccount> => {
    if (accounts !== undefined) return accounts
    const rng = makeRng(campaignSeed(seed, 0xacc0))
    accounts = Array.from({ length: options.emailAccounts ?? 3 }, (_, n) => {
      const id = ACCOUNT_ID_BASE + n
      const tag = `${id}-${uuidLike(rng).slice(0, 8)}`
      const created = toIso(baseMs - (60 - (n % 60)) * 86_400_000)
      return {
        id,
        fromEmail: `sender${n}@mail${n % 4}.example.com`,
        fromName: `Sender ${n}`,
        type: ["GMAIL", "OUTLOOK", "SMTP"][n % 3]!,
        messagePerDay: [30, 50, 80][n % 3]!,
        dailySentCount: rng.int(0, 30),
        isSmtpSuccess: n % 7 !== 6,
        isImapSuccess: n % 5 !== 4,
        smtpFailureError: n % 7 === 6 ? "535 Authentication failed" : null,
        warmupStatus: n % 4 === 3 ? "INACTIVE" : "ACTIVE",
        warmupReputation: `${rng.int(70, 100)}%`,
        warmupSent: rng.int(50, 900),
        warmupSpam: rng.int(0, 9),
        warmupReplyRate: rng.int(5, 40),
        warmupBlocked: n % 9 === 8,
        clientId: n % 3 === 2 ? 4242 : null,
        campaignCount: rng.int(0, 6),
        createdAt: created,
        updatedAt: toIso(Date.parse(created) + 86_400_000),
        credentials: {
          password: `SIM-PASSWORD-${tag}`,
          imapPassword: `SIM-IMAP-PASSWORD-${tag}`,
          smtpPassword: n % 2 === 1 ? `SIM-SMTP-PASSWORD-${tag}` : null,
          accessToken: `SIM-ACCESS-TOKEN-${tag}`,
          refreshToken: `SIM-REFRESH-TOKEN-${tag}`,
          clientSecret: `SIM-CLIENT-SECRET-${tag}`,
          headerToken: `SIM-HEADER-TOKEN-${tag}`
        }
      }
    })
    return accounts
  }

  // ----- serialisation ----------------------------------------------------------------------
  const count = (n: number, asString: boolean): number | string => (asString ? String(n) : n)

  const statisticsRow = (send: SimSend, index: number): Record<string, unknown> => {
    const strings = index % 2 === 0
    return {
      stats_id: strings ? Number(send.statsId) : send.statsId,
      lead_id: send.leadId,
      lead_name: send.leadName,
      lead_email: send.leadEmail,
      lead_category: send.leadCategory,
      sequence_number: count(send.sequenceNumber, strings),
      email_campaign_seq_id: send.emailCampaignSeqId,
      seq_variant_id: send.seqVariantId,
      email_subject: send.emailSubject,
      email_message: send.emailMessage,
      sent_time: send.sentTime,
      open_time: send.openTime,
      click_time: send.clickTime,
      reply_time: send.replyTime,
      open_count: count(send.openCount, strings),
      click_count: count(send.clickCount, strings),
      is_unsubscribed: send.isUnsubscribed,
      is_bounced: send.isBounced,
      ignore_reply: false
    }
  }

  /**
   * A campaign's emails in the order the endpoint serves them (ascending by sent_time, then
   * stats_id), with their sent_time instants; kept while no email is added and no sent_time
   * changes (the live objects are checked on every use, so tests may still edit them).
   */
  const sortedCache = new Map<number, { sorted: Array<SimSend>; strs: Array<string>; ms: Float64Array }>()
  const sortedOf = (campaignId: number) => {
    const sends = sendsOf(campaignId)
    const cached = sortedCache.get(campaignId)
    if (
      cached !== undefined && cached.sorted.length === sends.length &&
      cached.sorted.every((send, i) => send.sentTime === cached.strs[i])
    ) return cached
    const ms = sends.map((send) => Date.parse(send.sentTime))
    const order = sends.map((_, i) => i)
    order.sort((a, b) =>
      (ms[a] as number) - (ms[b] as number) || ((sends[a] as SimSend).statsId < (sends[b] as SimSend).statsId ? -1 : 1)
    )
    const sorted = order.map((i) => sends[i] as SimSend)
    const entry = {
      sorted,
      strs: sorted.map((send) => send.sentTime),
      ms: Float64Array.from(order, (i) => ms[i] as number)
    }
    sortedCache.set(campaignId, entry)
    return entry
  }

  /** First index of a sorted array of instants whose value is at or after `at`. */
  const lowerBound = (ms: Float64Array, at: number): number => {
    let lo = 0
    let hi = ms.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((ms[mid] as number) < at) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  const statistics = (campaignId: number, query: Record<string, string>): EngagementAnswer => {
    const index = indexOf(campaignId)
    const limit = intParam(query, "limit", 1, 1000, 100)
    if (typeof limit !== "number") return limit
    const offset = intParam(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0)
    if (typeof offset !== "number") return offset
    const start = query["sent_time_start_date"]
    if (start !== undefined && start !== "" && !SENT_TIME_START_DATE.test(start)) {
      return unprocessable("sent_time_start_date must be a date like 2023-10-16 10:33:02.000Z")
    }
    const end = query["sent_time_end_date"]
    if (end !== undefined && end !== "" && !SENT_TIME_START_DATE.test(end)) {
      return unprocessable("sent_time_end_date must be a date like 2023-10-16 10:33:02.000Z")
    }
    const emailStatus = query["email_status"]
    const statusFilter = emailStatus === undefined || emailStatus === ""
      ? undefined
      : STATISTICS_EMAIL_STATUS[emailStatus]
    if (emailStatus !== undefined && emailStatus !== "" && statusFilter === undefined) {
      return unprocessable(`email_status must be one of [${Object.keys(STATISTICS_EMAIL_STATUS).join(", ")}]`)
    }
    const rawSequences = query["email_sequence_number"]
    let sequences: Set<number> | undefined
    if (rawSequences !== undefined && rawSequences !== "") {
      const parts = rawSequences.split(",").map((part) => part.trim())
      if (parts.some((part) => !/^\d+$/.test(part))) {
        return unprocessable("email_sequence_number must be sequence numbers separated by commas, like 1,2,3")
      }
      sequences = new Set(parts.map(Number))
    }
    const sends = sendsOf(campaignId)
    if (documented.has("statistics")) {
      const steps = stepsOf(campaignId).map((step) => {
        const of = sends.filter((s) => s.sequenceNumber === step.seqNumber)
        return {
          campaign_id: campaignId,
          sequence_number: step.seqNumber,
          sent: of.length,
          opened: of.filter((s) => s.openCount > 0).length,
          clicked: of.filter((s) => s.clickCount > 0).length,
          replied: of.filter((s) => s.replyTime !== null).length,
          unsubscribed: of.filter((s) => s.isUnsubscribed).length,
          bounced: of.filter((s) => s.isBounced).length
        }
      })
      return { status: 200, body: { ok: true, data: steps.slice(offset, offset + limit), offset, limit } }
    }
    // sent_time_start_date keeps emails sent at or after it, sent_time_end_date those sent before it
    const { ms, sorted } = sortedOf(campaignId)
    const from = start === undefined || start === "" ? 0 : lowerBound(ms, Date.parse(start.replace(" ", "T")))
    const to = end === undefined || end === "" ? sorted.length : lowerBound(ms, Date.parse(end.replace(" ", "T")))
    let kept = sorted.slice(from, Math.max(from, to))
    if (statusFilter !== undefined || sequences !== undefined) {
      kept = kept.filter((s) =>
        (statusFilter === undefined || statusFilter(s)) && (sequences === undefined || sequences.has(s.sequenceNumber))
      )
    }
    if (options.statisticsOrder === "descending") kept.reverse()
    return {
      status: 200,
      body: {
        total_stats: String(kept.length),
        offset,
        limit,
        data: kept.slice(offset, offset + limit).map((s) => statisticsRow(s, index))
      }
    }
  }

  const analytics = (campaign: SimCampaign, index: number): EngagementAnswer => {
    const sends = sendsOf(campaign.id)
    const leads = input.leads(campaign.id)
    const opened = sends.filter((s) => s.openCount > 0)
    const clicked = sends.filter((s) => s.clickCount > 0)
    const replied = sends.filter((s) => s.replyTime !== null)
    const bounced = sends.filter((s) => s.isBounced)
    const unique = (list: ReadonlyArray<SimSend>) => new Set(list.map((s) => s.leadEmail)).size
    if (documented.has("analytics")) {
      const rate = (n: number) => (sends.length === 0 ? 0 : Math.round((n / sends.length) * 1000) / 10)
      return {
        status: 200,
        body: {
          campaign_id: campaign.id,
          campaign_name: campaign.name,
          total_sent: sends.length,
          total_opened: opened.length,
          total_clicked: clicked.length,
          total_replied: replied.length,
          open_rate: rate(opened.length),
          click_rate: rate(clicked.length),
          reply_rate: rate(replied.length),
          bounce_rate: rate(bounced.length),
          unsubscribe_rate: rate(sends.filter((s) => s.isUnsubscribed).length)
        }
      }
    }
    const strings = index % 2 === 0
    const byStatus = (status: string) => leads.filter((l) => l.status === status).length
    return {
      status: 200,
      body: {
        id: campaign.id,
        user_id: campaign.user_id,
        created_at: campaign.created_at,
        status: campaign.status,
        name: campaign.name,
        sent_count: count(sends.length, strings),
        unique_sent_count: count(unique(sends), strings),
        open_count: count(opened.reduce((sum, s) => sum + s.openCount, 0), strings),
        unique_open_count: count(unique(opened), strings),
        click_count: count(clicked.reduce((sum, s) => sum + s.clickCount, 0), strings),
        unique_click_count: count(unique(clicked), strings),
        reply_count: count(replied.length, strings),
        block_count: count(0, strings),
        total_count: count(leads.length, strings),
        drafted_count: count(0, strings),
        bounce_count: count(bounced.length, strings),
        unsubscribed_count: count(sends.filter((s) => s.isUnsubscribed).length, strings),
        sequence_count: count(stepsOf(campaign.id).length, strings),
        campaign_lead_stats: {
          total: leads.length,
          paused: byStatus("PAUSED"),
          blocked: 0,
          revenue: strings ? "0" : 0,
          stopped: byStatus("STOPPED"),
          completed: byStatus("COMPLETED"),
          inprogress: byStatus("INPROGRESS"),
          interested: leads.filter((l) => l.categoryId === 1).length,
          notStarted: byStatus("STARTED")
        },
        client_id: campaign.client_id,
        client_name: campaign.client_id === null ? null : `Client ${campaign.client_id}`,
        client_email: campaign.client_id === null ? null : `client${campaign.client_id}@agency.example.com`,
        client_company_name: campaign.client_id === null ? null : `Client ${campaign.client_id} Ltd`,
        parent_campaign_id: campaign.parent_campaign_id,
        send_as_plain_text: campaign.send_as_plain_text
      }
    }
  }

  const sequences = (campaignId: number, index: number): EngagementAnswer => {
    const steps = stepsOf(campaignId)
    if (documented.has("sequences")) {
      return {
        status: 200,
        body: steps.map((step) => ({
          id: step.id,
          seq_number: step.seqNumber,
          subject: step.subject,
          email_body: step.emailBody,
          seq_delay_details: { delay_in_days: step.delayInDays }
        }))
      }
    }
    const variantsKey = index % 2 === 0 ? "sequence_variants" : "seq_variants"
    return {
      status: 200,
      body: steps.map((step) => ({
        id: step.id,
        created_at: step.createdAt,
        updated_at: step.updatedAt,
        email_campaign_id: campaignId,
        seq_number: index % 2 === 0 ? String(step.seqNumber) : step.seqNumber,
        subject: step.subject,
        email_body: step.emailBody,
        seq_delay_details: { delayInDays: step.delayInDays },
        [variantsKey]: step.variants.length === 0
          ? null
          : step.variants.map((variant) => ({
            id: variant.id,
            created_at: step.createdAt,
            updated_at: step.updatedAt,
            is_deleted: false,
            subject: variant.subject,
            email_body: variant.emailBody,
            email_campaign_seq_id: step.id,
            variant_label: variant.variantLabel,
            variant_distribution_percentage: Math.round(100 / step.variants.length)
          }))
      }))
    }
  }

  const accountJson = (account: SimEmailAccount, n: number): Record<string, unknown> => {
    const strings = n % 2 === 0
    const { credentials } = account
    return {
      id: account.id,
      created_at: account.createdAt,
      updated_at: account.updatedAt,
      user_id: 196026,
      from_name: account.fromName,
      from_email: account.fromEmail,
      username: account.fromEmail,
      password: credentials.password,
      smtp_host: "smtp.example.com",
      smtp_port: 587,
      smtp_port_type: "TLS",
      ...(credentials.smtpPassword === null ? {} : { smtp_password: credentials.smtpPassword }),
      message_per_day: count(account.messagePerDay, strings),
      different_reply_to_address: null,
      is_different_imap_account: false,
      imap_username: account.fromEmail,
      imap_password: credentials.imapPassword,
      imap_host: "imap.example.com",
      imap_port: 993,
      imap_port_type: "SSL",
      signature: `<p>Best regards,<br>${account.fromName}</p>`,
      custom_tracking_domain: null,
      bcc_email: null,
      is_smtp_success: account.isSmtpSuccess,
      is_imap_success: account.isImapSuccess,
      smtp_failure_error: account.smtpFailureError,
      imap_failure_error: null,
      type: account.type,
      daily_sent_count: count(account.dailySentCount, strings),
      client_id: account.clientId,
      campaign_count: count(account.campaignCount, strings),
      minTimeToWaitInMins: 5,
      is_suspended: false,
      tags: n % 2 === 0 ? [{ tag_id: 11, tag_name: "primary", tag_color: "#3366FF" }] : [],
      oauth: {
        provider: account.type,
        access_token: credentials.accessToken,
        Refresh_Token: credentials.refreshToken,
        expires_in: 3599
      },
      custom_headers: [{ name: "X-Auth", header_TOKEN: credentials.headerToken }],
      warmup_details: {
        status: account.warmupStatus,
        total_sent_count: count(account.warmupSent, strings),
        total_spam_count: count(account.warmupSpam, strings),
        warmup_reputation: account.warmupReputation,
        warmup_key_id: account.id * 3,
        warmup_created_at: account.createdAt,
        reply_rate: account.warmupReplyRate,
        is_warmup_blocked: account.warmupBlocked,
        blocked_reason: account.warmupBlocked ? "Too many bounces" : null,
        provider: { name: "warmup-pool", ClientSecret: credentials.clientSecret }
      }
    }
  }

  const emailAccounts = (query: Record<string, string>): EngagementAnswer => {
    const list = accountsOf()
    if (documented.has("email_accounts")) {
      return {
        status: 200,
        body: list.map((account) => ({
          id: account.id,
          from_name: account.fromName,
          from_email: account.fromEmail,
          smtp_host: "smtp.example.com",
          smtp_port: 587,
          imap_host: "imap.example.com",
          imap_port: 993,
          warmup_enabled: account.warmupStatus === "ACTIVE",
          total_warmup_per_day: 20,
          daily_rampup: 2,
          max_email_per_day: account.messagePerDay,
          is_suspended: false,
          connection_status: account.isSmtpSuccess ? "CONNECTED" : "ERROR"
        }))
      }
    }
    const limit = intParam(query, "limit", 1, 100, 100)
    if (typeof limit !== "number") return limit
    const offset = intParam(query, "offset", 0, Number.MAX_SAFE_INTEGER, 0)
    if (typeof offset !== "number") return offset
    return {
      status: 200,
      body: list.slice(offset, offset + limit).map((account, i) => accountJson(account, offset + i))
    }
  }

  /** Answers a request to one of this module's routes (authentication and faults are the simulator's). */
  const handle = (route: EngagementRoute, query: Record<string, string>): EngagementAnswer => {
    if (route.endpoint === "email_accounts") return emailAccounts(query)
    const index = route.campaignId === undefined ? -1 : indexOf(route.campaignId)
    const campaign = index < 0 ? undefined : input.campaigns()[index]
    if (campaign === undefined) return NOT_FOUND
    switch (route.endpoint) {
      case "statistics":
        return statistics(campaign.id, query)
      case "analytics":
        return analytics(campaign, index)
      case "sequences":
        return sequences(campaign.id, index)
    }
  }

  const engagement: Engagement = {
    sends: (campaignId) => {
      const list = campaignId === undefined ? input.campaigns().flatMap((c) => sendsOf(c.id)) : [...sendsOf(campaignId)]
      return list.sort((a, b) => a.campaignId - b.campaignId || Date.parse(a.sentTime) - Date.parse(b.sentTime))
    },
    addSendsAt: (campaignId, times) => {
      if (indexOf(campaignId) < 0) throw new Error(`unknown campaign ${campaignId}`)
      const sends = sendsOf(campaignId)
      const added = times.map((ms, k) => makeSend(campaignId, sends.length + k, ms))
      sends.push(...added)
      return added
    },
    addSends: (campaignId, count, sentAt) => {
      if (indexOf(campaignId) < 0) throw new Error(`unknown campaign ${campaignId}`)
      const sends = sendsOf(campaignId)
      const rng = rngOf(campaignId)
      let t = sends.reduce((latest, s) => Math.max(latest, Date.parse(s.sentTime)), baseMs)
      const added = Array.from({ length: count }, (_, k) => {
        const ms = sentAt === undefined ? (t += rng.int(...SEND_SPACING_MS)) : Date.parse(sentAt)
        return makeSend(campaignId, sends.length + k, ms)
      })
      sends.push(...added)
      return added
    },
    steps: (campaignId) => stepsOf(campaignId),
    emailAccounts: () => accountsOf(),
    credentialValues: () =>
      accountsOf().flatMap((account) =>
        Object.values(account.credentials).filter((value): value is string => value !== null)
      ),
    setDocumented: (endpoint, on) => {
      if (on) documented.add(endpoint)
      else documented.delete(endpoint)
    }
  }

  return { engagement, handle }
}
