/**
 * The simulator's "agency" shape (issue 20): an account of many campaigns, most of them finished,
 * a few sending, and what happens to it between two hourly syncs. Every instant is relative to a
 * `now()` the caller controls (a test's virtual clock, or the real one), never Date.now().
 *
 * The account, at `now()` when the simulator starts:
 * - campaigns with the given statuses (issue: 300 = 30 ACTIVE, 20 PAUSED, 200 COMPLETED,
 *   30 STOPPED, 20 DRAFTED), interleaved in id order, each with `leads` leads;
 * - an ACTIVE campaign started `activeDays` days ago and has sent `sendsPerDay` emails a day
 *   since, evenly spread up to `now()`;
 * - a PAUSED, COMPLETED or STOPPED campaign sent `finishedSends` emails over `finishedDays` days
 *   that ended 40 to 44 days ago (so the 14 days before its last send hold 70 % of them);
 * - a DRAFTED campaign has sent nothing;
 * - `mailboxes` email accounts.
 * A lead's `last_sent_time` is its latest email; opens, clicks and replies after `now()` are
 * left out. Campaign `updated_at` never moves.
 *
 * `advanceHour()` applies what happened since the previous call (or the start) up to `now()`,
 * whatever time passed: each ACTIVE campaign sends `hour.sends` emails and gains `hour.newLeads`
 * leads (not yet emailed); `hour.replies` leads reply (`hour.repliesInCompleted` of them in
 * COMPLETED campaigns, the rest in ACTIVE ones) and get a new category: the lead's category and
 * activity time (what `event_time_gt` filters on) and its email's `reply_time` and
 * `lead_category` change; `hour.opens` emails sent up to 14 days before (ACTIVE campaigns) are
 * opened, `hour.clicks` opened ones clicked (the email's `open_time`/`click_time` and counts, and
 * the lead's activity time). A reply in a COMPLETED campaign lands on one of its emails sent in
 * the 13 days before its last send (where a lookback from that last send still finds it). Each
 * lead replies and each email is opened and clicked at most once, so a test can compare what
 * the destination holds with the change. The returned `AgencyHour` lists every change.
 * Node builtins only.
 */
import type { SimCampaign, SimLead } from "./data.js"
import { CATEGORIES, categoryName, makeRng, makeTimeline, toIso } from "./data.js"
import type { Engagement, SimSend } from "./Engagement.js"

export type CampaignStatus = "ACTIVE" | "PAUSED" | "COMPLETED" | "STOPPED" | "DRAFTED"
export const CAMPAIGN_STATUSES: ReadonlyArray<CampaignStatus> = ["ACTIVE", "PAUSED", "COMPLETED", "STOPPED", "DRAFTED"]

/** What happens between two hourly syncs. */
export interface AgencyHourOptions {
  /** emails each ACTIVE campaign sends (default 13) */
  readonly sends?: number
  /** leads each ACTIVE campaign gains (default 2) */
  readonly newLeads?: number
  /** leads that reply and get a category, account-wide (default 20) */
  readonly replies?: number
  /** of those, in COMPLETED campaigns (default 5); the others in ACTIVE ones */
  readonly repliesInCompleted?: number
  /** emails sent up to 14 days before that are opened, account-wide (default 30) */
  readonly opens?: number
  /** opened emails that are clicked, account-wide (default 10) */
  readonly clicks?: number
}

export interface AgencyOptions {
  /** The instant "now" (epoch ms), read when the simulator starts and at each `advanceHour()`. */
  readonly now: () => number
  /** Campaigns per status (default the issue's 30/20/200/30/20). */
  readonly statuses?: Partial<Record<CampaignStatus, number>>
  /** Leads per campaign (default 500). */
  readonly leads?: number
  /** Emails an ACTIVE campaign sends a day (default 300), for `activeDays` (default 30) up to now. */
  readonly sendsPerDay?: number
  readonly activeDays?: number
  /** Emails each PAUSED/COMPLETED/STOPPED campaign sent (default 1,000), over `finishedDays` (default 20). */
  readonly finishedSends?: number
  readonly finishedDays?: number
  /** Email accounts (default 150). */
  readonly mailboxes?: number
  readonly hour?: AgencyHourOptions
}

/** The issue's account: 300 campaigns. */
export const ISSUE_STATUSES: Readonly<Record<CampaignStatus, number>> = {
  ACTIVE: 30,
  PAUSED: 20,
  COMPLETED: 200,
  STOPPED: 30,
  DRAFTED: 20
}

/** A lead that replied and was categorised. */
export interface AgencyReply {
  readonly campaignId: number
  readonly status: CampaignStatus
  readonly leadId: number
  readonly categoryId: number
  /** the email replied to */
  readonly statsId: string
  readonly at: string
}

/** An email opened or clicked after it was sent. */
export interface AgencyEngagement {
  readonly campaignId: number
  readonly statsId: string
  readonly sentTime: string
  readonly at: string
}

/** What one `advanceHour()` changed. */
export interface AgencyHour {
  readonly from: number
  readonly to: number
  readonly newLeads: ReadonlyArray<{ readonly campaignId: number; readonly leadId: number }>
  readonly newSends: ReadonlyArray<{ readonly campaignId: number; readonly statsId: string; readonly sentTime: string }>
  readonly replies: ReadonlyArray<AgencyReply>
  readonly opens: ReadonlyArray<AgencyEngagement>
  readonly clicks: ReadonlyArray<AgencyEngagement>
}

/** The test-facing handle of the agency shape (`sim.agency`). */
export interface Agency {
  /** The campaigns' statuses by id. */
  readonly statusOf: (campaignId: number) => CampaignStatus
  /** Campaign ids of a status, in id order. */
  readonly campaignsWith: (status: CampaignStatus) => ReadonlyArray<number>
  /** The shape's parameters, defaults filled in. */
  readonly shape: {
    readonly statuses: Readonly<Record<CampaignStatus, number>>
    readonly leads: number
    readonly sendsPerDay: number
    readonly activeDays: number
    readonly finishedSends: number
    readonly finishedDays: number
    readonly mailboxes: number
    readonly hour: Required<AgencyHourOptions>
  }
  /** Applies what happened since the previous call (or the start) up to `now()`. */
  readonly advanceHour: () => AgencyHour
  /** Every `advanceHour()` so far. */
  readonly hours: ReadonlyArray<AgencyHour>
}

/** What the agency shape needs of the simulator. */
export interface AgencyStore {
  readonly campaigns: () => ReadonlyArray<SimCampaign>
  /** A campaign's leads (live objects), ascending by created_at. */
  readonly leads: (campaignId: number) => ReadonlyArray<SimLead>
  /** New leads created at these instants. */
  readonly addLeadsAt: (campaignId: number, times: ReadonlyArray<number>) => ReadonlyArray<SimLead>
  readonly engagement: Engagement
}

const DAY = 86_400_000
const HOUR = 3_600_000

/** Total campaigns of a status table (defaults for missing statuses: none). */
export const campaignCount = (statuses: Partial<Record<CampaignStatus, number>>): number =>
  CAMPAIGN_STATUSES.reduce((sum, status) => sum + (statuses[status] ?? 0), 0)

/** The statuses in campaign order: interleaved (deterministically) so each status is spread over the ids. */
const statusOrder = (statuses: Readonly<Record<CampaignStatus, number>>, seed: number): Array<CampaignStatus> => {
  const out: Array<CampaignStatus> = CAMPAIGN_STATUSES.flatMap((status) =>
    Array.from({ length: statuses[status] }, () => status)
  )
  const rng = makeRng((seed ^ 0xa6e9c7) >>> 0)
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    ;[out[i], out[j]] = [out[j] as CampaignStatus, out[i] as CampaignStatus]
  }
  return out
}

/** Builds the account over the simulator's (empty) campaigns; `store.campaigns()` holds one per status entry. */
export const makeAgency = (store: AgencyStore, options: AgencyOptions, seed: number): Agency => {
  const statuses: Record<CampaignStatus, number> = { ...ISSUE_STATUSES }
  if (options.statuses !== undefined) {
    for (const status of CAMPAIGN_STATUSES) statuses[status] = options.statuses[status] ?? 0
  }
  const shape = {
    statuses,
    leads: options.leads ?? 500,
    sendsPerDay: options.sendsPerDay ?? 300,
    activeDays: options.activeDays ?? 30,
    finishedSends: options.finishedSends ?? 1000,
    finishedDays: options.finishedDays ?? 20,
    mailboxes: options.mailboxes ?? 150,
    hour: {
      sends: options.hour?.sends ?? 13,
      newLeads: options.hour?.newLeads ?? 2,
      replies: options.hour?.replies ?? 20,
      repliesInCompleted: options.hour?.repliesInCompleted ?? 5,
      opens: options.hour?.opens ?? 30,
      clicks: options.hour?.clicks ?? 10
    }
  }
  const rng = makeRng((seed ^ 0xa9e1c7) >>> 0)
  const campaigns = store.campaigns()
  const order = statusOrder(statuses, seed)
  if (order.length !== campaigns.length) {
    throw new Error(`agency: ${order.length} statuses for ${campaigns.length} campaigns`)
  }
  const statusById = new Map<number, CampaignStatus>()
  const leadById = new Map<string, SimLead>()
  const keyOf = (campaignId: number, leadId: number) => `${campaignId}:${leadId}`
  const start = options.now()

  /** Leaves out what had not happened by `at`: opens, clicks and replies later than it. */
  const upTo = (send: SimSend, at: number) => {
    if (send.openTime !== null && Date.parse(send.openTime) > at) {
      send.openTime = null
      send.openCount = 0
    }
    if (send.clickTime !== null && (send.openTime === null || Date.parse(send.clickTime) > at)) {
      send.clickTime = null
      send.clickCount = 0
    }
    if (send.replyTime !== null && Date.parse(send.replyTime) > at) {
      send.replyTime = null
      send.leadCategory = null
    }
  }
  /** Each campaign's emails and their instants, ascending (every email is sent through `send`, in time order). */
  const sentBy = new Map<number, { emails: Array<SimSend>; ms: Array<number> }>()
  /** Sends emails at these instants (ascending, after every earlier one); each email's lead gets it as its last send. */
  const send = (campaignId: number, times: ReadonlyArray<number>, at: number): Array<SimSend> => {
    const added = store.engagement.addSendsAt(campaignId, times)
    let sent = sentBy.get(campaignId)
    if (sent === undefined) sentBy.set(campaignId, sent = { emails: [], ms: [] })
    for (const email of added) {
      sent.emails.push(email)
      sent.ms.push(Date.parse(email.sentTime))
      upTo(email, at)
      const lead = leadById.get(keyOf(campaignId, email.leadId))
      if (lead !== undefined && (lead.lastSentTime === null || lead.lastSentTime < email.sentTime)) {
        lead.lastSentTime = email.sentTime
      }
    }
    return [...added]
  }
  const index = (leads: ReadonlyArray<SimLead>) => {
    for (const lead of leads) leadById.set(keyOf(lead.campaignId, lead.id), lead)
  }
  const fresh = (lead: SimLead) => {
    lead.status = "STARTED"
    lead.lastSentTime = null
    lead.categoryId = null
    lead.categoryName = null
    lead.emailStats = Object.fromEntries(Object.keys(lead.emailStats).map((key) => [key, false]))
  }

  // ----- the account at start ----------------------------------------------------------------
  /** Per finished campaign: its last send, where late replies land. */
  const lastSendOf = new Map<number, number>()
  campaigns.forEach((campaign, i) => {
    const status = order[i] as CampaignStatus
    statusById.set(campaign.id, status)
    campaign.status = status
    let leadsFrom: number
    let sendTimes: Array<number> = []
    if (status === "ACTIVE") {
      const from = start - shape.activeDays * DAY
      const count = shape.sendsPerDay * shape.activeDays
      const spacing = (start - from) / Math.max(1, count)
      sendTimes = Array.from({ length: count }, (_, k) => Math.floor(from + (k + rng.next() * 0.9) * spacing))
      leadsFrom = from - 2 * DAY
    } else if (status === "DRAFTED") {
      leadsFrom = start - 10 * DAY - (i % 7) * DAY
    } else {
      const end = start - 40 * DAY - (i % 5) * DAY
      const from = end - shape.finishedDays * DAY
      const spacing = (end - from) / Math.max(1, shape.finishedSends)
      sendTimes = Array.from(
        { length: shape.finishedSends },
        (_, k) => Math.floor(from + (k + rng.next() * 0.9) * spacing)
      )
      leadsFrom = from - 2 * DAY
      lastSendOf.set(campaign.id, sendTimes.at(-1) ?? end)
    }
    const created = leadsFrom - DAY + rng.int(0, 3_600_000)
    campaign.created_at = toIso(created)
    campaign.updated_at = toIso(created + rng.int(60_000, HOUR))
    const leads = store.addLeadsAt(campaign.id, makeTimeline(rng, shape.leads, leadsFrom))
    index(leads)
    for (const lead of leads) {
      lead.lastSentTime = null
      delete lead.activityAt
    }
    send(campaign.id, sendTimes, start)
  })

  // ----- an hour ------------------------------------------------------------------------------
  const active = campaigns.filter((c) => statusById.get(c.id) === "ACTIVE").map((c) => c.id)
  const completed = campaigns.filter((c) => statusById.get(c.id) === "COMPLETED").map((c) => c.id)
  const replied = new Set<string>()
  const touched = new Set<string>()
  const hours: Array<AgencyHour> = []
  let last = start

  const within = (from: number, to: number) =>
    Math.min(to, from + 1 + Math.floor(rng.next() * Math.max(1, to - from - 1)))
  /** An email of a campaign sent in [from, to] that passes `ok`, found by random probes then a scan. */
  const pickSend = (
    campaignId: number,
    from: number,
    to: number,
    ok: (s: SimSend) => boolean
  ): SimSend | undefined => {
    const sent = sentBy.get(campaignId)
    if (sent === undefined) return undefined
    const bound = (at: number) => {
      let lo = 0
      let hi = sent.ms.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if ((sent.ms[mid] as number) < at) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    const sends = sent.emails.slice(bound(from), bound(to + 1))
    if (sends.length === 0) return undefined
    for (let probe = 0; probe < 20; probe++) {
      const candidate = sends[rng.int(0, sends.length - 1)] as SimSend
      if (ok(candidate)) return candidate
    }
    return sends.find(ok)
  }

  const advanceHour = (): AgencyHour => {
    const from = last
    const to = Math.max(options.now(), from + 1)
    last = to
    const newLeads: Array<{ campaignId: number; leadId: number }> = []
    const newSends: Array<{ campaignId: number; statsId: string; sentTime: string }> = []
    const replies: Array<AgencyReply> = []
    const opens: Array<AgencyEngagement> = []
    const clicks: Array<AgencyEngagement> = []
    for (const campaignId of active) {
      const times = Array.from({ length: shape.hour.sends }, () => within(from, to)).sort((a, b) => a - b)
      for (const email of send(campaignId, times, to)) {
        newSends.push({ campaignId, statsId: email.statsId, sentTime: email.sentTime })
      }
      const leadTimes = Array.from({ length: shape.hour.newLeads }, () => within(from, to)).sort((a, b) => a - b)
      const leads = store.addLeadsAt(campaignId, leadTimes)
      index(leads)
      for (const lead of leads) {
        fresh(lead)
        newLeads.push({ campaignId, leadId: lead.id })
      }
    }
    // replies: a lead that has not replied in this run, on one of its emails the lookback still covers
    const reply = (campaignId: number, status: CampaignStatus, windowFrom: number, windowTo: number) => {
      const email = pickSend(
        campaignId,
        windowFrom,
        windowTo,
        (s) =>
          s.replyTime === null && !replied.has(keyOf(campaignId, s.leadId)) &&
          leadById.has(keyOf(campaignId, s.leadId))
      )
      if (email === undefined) return
      const lead = leadById.get(keyOf(campaignId, email.leadId)) as SimLead
      replied.add(keyOf(campaignId, lead.id))
      const at = toIso(within(from, to))
      const choices = CATEGORIES.map((c) => c.id).filter((id) => id !== lead.categoryId)
      const categoryId = choices[rng.int(0, choices.length - 1)] as number
      lead.categoryId = categoryId
      lead.categoryName = categoryName(categoryId)
      lead.activityAt = lead.activityAt === undefined || lead.activityAt < at ? at : lead.activityAt
      lead.emailStats = { ...lead.emailStats, is_replied: true }
      email.replyTime = at
      email.leadCategory = lead.categoryName
      touched.add(`${campaignId}:${email.statsId}`)
      replies.push({ campaignId, status, leadId: lead.id, categoryId, statsId: email.statsId, at })
    }
    const inCompleted = Math.min(shape.hour.repliesInCompleted, shape.hour.replies)
    for (let k = 0; k < shape.hour.replies - inCompleted && active.length > 0; k++) {
      reply(active[rng.int(0, active.length - 1)] as number, "ACTIVE", to - 14 * DAY, from)
    }
    for (let k = 0; k < inCompleted && completed.length > 0; k++) {
      const campaignId = completed[rng.int(0, completed.length - 1)] as number
      const lastSend = lastSendOf.get(campaignId) ?? from
      reply(campaignId, "COMPLETED", lastSend - 13 * DAY, lastSend)
    }
    // opens and clicks on emails sent up to 14 days before, in ACTIVE campaigns
    const engage = (kind: "open" | "click") => {
      const campaignId = active[rng.int(0, active.length - 1)] as number
      const email = pickSend(campaignId, to - 14 * DAY, from, (s) =>
        !touched.has(`${campaignId}:${s.statsId}`) &&
        (kind === "open" ? s.openTime === null : s.openTime !== null && s.clickTime === null))
      if (email === undefined) return
      touched.add(`${campaignId}:${email.statsId}`)
      const at = toIso(within(from, to))
      if (kind === "open") {
        email.openTime = at
        email.openCount = 1
        opens.push({ campaignId, statsId: email.statsId, sentTime: email.sentTime, at })
      } else {
        email.clickTime = at
        email.clickCount = 1
        clicks.push({ campaignId, statsId: email.statsId, sentTime: email.sentTime, at })
      }
      const lead = leadById.get(keyOf(campaignId, email.leadId))
      if (lead !== undefined && (lead.activityAt === undefined || lead.activityAt < at)) lead.activityAt = at
    }
    if (active.length > 0) {
      for (let k = 0; k < shape.hour.opens; k++) engage("open")
      for (let k = 0; k < shape.hour.clicks; k++) engage("click")
    }
    const hour: AgencyHour = { from, to, newLeads, newSends, replies, opens, clicks }
    hours.push(hour)
    return hour
  }

  return {
    statusOf: (campaignId) => {
      const status = statusById.get(campaignId)
      if (status === undefined) throw new Error(`agency: unknown campaign ${campaignId}`)
      return status
    },
    campaignsWith: (status) => campaigns.filter((c) => statusById.get(c.id) === status).map((c) => c.id),
    shape,
    advanceHour,
    get hours() {
      return hours
    }
  }
}
