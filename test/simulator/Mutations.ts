/**
 * The simulator's mutation ("hostile") mode: a SmartLead that behaves like a live account while a
 * sync reads it. Leads are deleted, inserted and re-categorised between requests or from a hook
 * called before every leads page is served; totals are misreported (too small, "0", too large);
 * `limit` is capped silently below what was asked (the body echoing the asked limit, the applied
 * one, or none); `created_at` is served zone-less ("2025-01-01 12:00:00", meaning UTC) or as any
 * text a test sets per lead ("01/02/2025"); `created_at_gt` can be ignored; GET /campaigns can
 * list campaigns twice or with ids that are not numbers. It also keeps the record of which leads
 * existed when, so tests take their expected ids from the server's own data (see `present`,
 * `ever`, `throughout`). Node builtins only; the simulator hands it its store (`MutationStore`).
 */
import type { SimCampaign, SimLead } from "./data.js"
import { categoryName } from "./data.js"

/** How `total_leads` / `total` is reported: the truth, a third of it, "0", or twice it plus 7. */
export type TotalsMode = "true" | "tooSmall" | "zero" | "tooLarge"
/** How `created_at` is served: as stored (ISO with Z), or zone-less UTC to the second. */
export type TimestampFormat = "iso" | "zoneless"
/** Which `limit` a page's body echoes when the server caps it: the one asked, the one applied, or none. */
export type LimitEcho = "asked" | "applied" | "none"

/** One leads request about to be served. */
export interface LeadsPageRequest {
  readonly campaignId: number
  readonly offset: number
  /** the `limit` asked for */
  readonly limit: number
  readonly query: Readonly<Record<string, string>>
  /** 1-based count of leads requests for this campaign so far, this one included */
  readonly requestNumber: number
}

/** Options of the mutation mode (all optional; the defaults behave like the plain simulator). */
export interface HostileOptions {
  /** Called before every leads page is served (after auth, faults and parameter checks). */
  readonly beforeLeadsPage?: (request: LeadsPageRequest, mutations: Mutations) => void
  readonly totals?: TotalsMode | ((trueTotal: number, campaignId: number) => number)
  /** The most rows a page holds whatever `limit` asked. */
  readonly limitCap?: number
  /** default "asked" */
  readonly limitEcho?: LimitEcho
  /** default "iso" */
  readonly timestamps?: TimestampFormat
  /** What GET /campaigns answers, from the campaigns the simulator holds (duplicates, odd ids). */
  readonly campaignsListing?: (campaigns: ReadonlyArray<SimCampaign>) => ReadonlyArray<unknown>
}

/** A change the mutation mode made. */
export interface MutationEvent {
  /** Date.now() when it happened */
  readonly time: number
  readonly kind: "delete" | "insert" | "update"
  readonly campaignId: number
  readonly leadId: number
}

/** The test-facing handle of the mutation mode (`sim.mutations`). */
export interface Mutations {
  /** `campaign:id` keys of every lead that exists now. */
  present(): Set<string>
  /** `campaign:id` keys of every lead that ever existed (deleted ones included). */
  ever(): Set<string>
  /** A campaign's leads in the order the server serves them now (no filters). */
  served(campaignId: number): ReadonlyArray<SimLead>
  /** Deletes a lead; returns it. Throws if it does not exist. */
  deleteLead(campaignId: number, leadId: number): SimLead
  /** Deletes the lead at `position` of the served order; returns it. */
  deleteAt(campaignId: number, position: number): SimLead
  /** New leads, each newer than every existing lead (or all exactly at `createdAt`). */
  insertLeads(campaignId: number, count: number, createdAt?: string): ReadonlyArray<SimLead>
  /**
   * Moves a lead to a category. With `activityAt` (ISO, e.g. `new Date().toISOString()`) the
   * change came with email activity (a reply): the lead's latest activity time, which
   * `event_time_gt` filters on, becomes that instant, and it is marked replied.
   */
  recategorise(campaignId: number, leadId: number, categoryId: number | null, activityAt?: string): SimLead
  /** Changes fields of a lead (`status`, `customFields`, …), optionally with activity as above. */
  update(
    campaignId: number,
    leadId: number,
    patch: Partial<Omit<SimLead, "id" | "campaignId" | "createdAt">>,
    activityAt?: string
  ): SimLead
  /** Moves a lead's `created_at` (the instant the server sorts and filters on). */
  setCreatedAt(campaignId: number, leadId: number, iso: string): SimLead
  /** Serves this text as the lead's `created_at` (its stored instant is unchanged); undefined restores it. */
  setCreatedAtText(campaignId: number, leadId: number, text: string | undefined): SimLead
  /** Every change so far, in order. */
  readonly log: ReadonlyArray<MutationEvent>
  setBeforeLeadsPage(hook: HostileOptions["beforeLeadsPage"]): void
  setTotals(totals: HostileOptions["totals"]): void
  setLimitCap(cap: number | undefined, echo?: LimitEcho): void
  setTimestamps(format: TimestampFormat): void
  setIgnoreCreatedAtFilter(ignore: boolean): void
  /** The server ignores `event_time_gt` from now on (or again honours it). */
  setIgnoreEventTimeFilter(ignore: boolean): void
  setCampaignsListing(listing: HostileOptions["campaignsListing"]): void
}

/** What the simulator lends the mutation mode. */
export interface MutationStore {
  campaigns(): ReadonlyArray<SimCampaign>
  /** the live backing array of a campaign (throws for an unknown campaign) */
  rows(campaignId: number): Array<SimLead>
  /** the served order of a campaign, unfiltered */
  served(campaignId: number): ReadonlyArray<SimLead>
  addLeads(campaignId: number, count: number, createdAt?: string): ReadonlyArray<SimLead>
  /** drops the cached orders of a campaign after its rows changed */
  invalidate(campaignId: number): void
  setIgnoreCreatedAtFilter(ignore: boolean): void
  setIgnoreEventTimeFilter(ignore: boolean): void
}

/** What the simulator asks the mutation mode while serving. */
export interface HostileServer {
  readonly mutations: Mutations
  beforeLeadsPage(campaignId: number, offset: number, limit: number, query: Readonly<Record<string, string>>): void
  /** rows actually served for an asked limit */
  appliedLimit(asked: number): number
  /** the `limit` the body echoes, or undefined to leave it out */
  echoedLimit(asked: number, applied: number): number | undefined
  /** the total reported for a true total */
  total(trueTotal: number, campaignId: number): number
  /** the `created_at` text served for a lead */
  createdAtText(lead: SimLead): string
  /** the body of GET /campaigns */
  listing(campaigns: ReadonlyArray<SimCampaign>): ReadonlyArray<unknown>
}

const keyOf = (lead: SimLead) => `${lead.campaignId}:${lead.id}`

/** "2025-01-01T12:00:00.123Z" → "2025-01-01 12:00:00" (UTC, no zone, whole seconds). */
export const zoneless = (iso: string): string => new Date(Date.parse(iso)).toISOString().slice(0, 19).replace("T", " ")

/** The instant a zone-less UTC text stands for, as ISO with milliseconds. */
export const zonelessToIso = (text: string): string => new Date(Date.parse(text.replace(" ", "T") + "Z")).toISOString()

/** A lead's latest email activity (send, open, click, reply): what `event_time_gt` filters on. */
export const latestActivity = (lead: SimLead): string | null => {
  const sent = lead.lastSentTime
  const activity = lead.activityAt ?? null
  if (sent === null) return activity
  if (activity === null) return sent
  return Date.parse(activity) > Date.parse(sent) ? activity : sent
}

/** Keys present at both of two snapshots: the leads that existed throughout (ids never come back). */
export const throughout = (before: ReadonlySet<string>, after: ReadonlySet<string>): Set<string> =>
  new Set([...before].filter((key) => after.has(key)))

/** Builds the mutation mode over a simulator's store. */
export const makeHostile = (store: MutationStore, options: HostileOptions = {}): HostileServer => {
  let hook = options.beforeLeadsPage
  let totals = options.totals ?? "true"
  let limitCap = options.limitCap
  let limitEcho: LimitEcho = options.limitEcho ?? "asked"
  let timestamps: TimestampFormat = options.timestamps ?? "iso"
  let listing = options.campaignsListing
  const texts = new Map<string, string>()
  const everKeys = new Set<string>()
  const requestNumbers = new Map<number, number>()
  const log: Array<MutationEvent> = []
  let inHook = false

  const all = () => store.campaigns().flatMap((c) => store.rows(c.id))
  for (const lead of all()) everKeys.add(keyOf(lead))

  const find = (campaignId: number, leadId: number): SimLead => {
    const lead = store.rows(campaignId).find((l) => l.id === leadId)
    if (lead === undefined) throw new Error(`no lead ${leadId} in campaign ${campaignId}`)
    return lead
  }
  const note = (kind: MutationEvent["kind"], lead: SimLead) =>
    log.push({ time: Date.now(), kind, campaignId: lead.campaignId, leadId: lead.id })
  const withActivity = (lead: SimLead, activityAt: string | undefined) => {
    if (activityAt === undefined) return
    if (Number.isNaN(Date.parse(activityAt))) throw new Error(`invalid activityAt: ${activityAt}`)
    lead.activityAt = activityAt
    lead.emailStats = { ...lead.emailStats, is_replied: true }
  }

  const mutations: Mutations = {
    present: () => new Set(all().map(keyOf)),
    ever: () => {
      for (const lead of all()) everKeys.add(keyOf(lead))
      return new Set(everKeys)
    },
    served: (campaignId) => [...store.served(campaignId)],
    deleteLead: (campaignId, leadId) => {
      const rows = store.rows(campaignId)
      const index = rows.findIndex((l) => l.id === leadId)
      if (index < 0) throw new Error(`no lead ${leadId} in campaign ${campaignId}`)
      const [lead] = rows.splice(index, 1) as [SimLead]
      store.invalidate(campaignId)
      note("delete", lead)
      return lead
    },
    deleteAt: (campaignId, position) => {
      const lead = store.served(campaignId)[position]
      if (lead === undefined) throw new Error(`no lead at position ${position} of campaign ${campaignId}`)
      return mutations.deleteLead(campaignId, lead.id)
    },
    insertLeads: (campaignId, count, createdAt) => {
      const added = store.addLeads(campaignId, count, createdAt)
      for (const lead of added) {
        everKeys.add(keyOf(lead))
        note("insert", lead)
      }
      return added
    },
    recategorise: (campaignId, leadId, categoryId, activityAt) => {
      const lead = find(campaignId, leadId)
      lead.categoryId = categoryId
      lead.categoryName = categoryName(categoryId)
      withActivity(lead, activityAt)
      note("update", lead)
      return lead
    },
    update: (campaignId, leadId, patch, activityAt) => {
      const lead = find(campaignId, leadId)
      Object.assign(lead, patch)
      withActivity(lead, activityAt)
      note("update", lead)
      return lead
    },
    setCreatedAt: (campaignId, leadId, iso) => {
      if (Number.isNaN(Date.parse(iso))) throw new Error(`invalid createdAt: ${iso}`)
      const lead = find(campaignId, leadId)
      lead.createdAt = iso
      store.invalidate(campaignId)
      note("update", lead)
      return lead
    },
    setCreatedAtText: (campaignId, leadId, text) => {
      const lead = find(campaignId, leadId)
      if (text === undefined) texts.delete(keyOf(lead))
      else texts.set(keyOf(lead), text)
      return lead
    },
    get log() {
      return log
    },
    setBeforeLeadsPage: (next) => {
      hook = next
    },
    setTotals: (next) => {
      totals = next ?? "true"
    },
    setLimitCap: (cap, echo) => {
      if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) throw new Error(`invalid limit cap: ${cap}`)
      limitCap = cap
      if (echo !== undefined) limitEcho = echo
    },
    setTimestamps: (format) => {
      timestamps = format
    },
    setIgnoreCreatedAtFilter: (ignore) => store.setIgnoreCreatedAtFilter(ignore),
    setIgnoreEventTimeFilter: (ignore) => store.setIgnoreEventTimeFilter(ignore),
    setCampaignsListing: (next) => {
      listing = next
    }
  }

  return {
    mutations,
    beforeLeadsPage: (campaignId, offset, limit, query) => {
      const requestNumber = (requestNumbers.get(campaignId) ?? 0) + 1
      requestNumbers.set(campaignId, requestNumber)
      if (hook === undefined || inHook) return
      inHook = true
      try {
        hook({ campaignId, offset, limit, query, requestNumber }, mutations)
      } finally {
        inHook = false
      }
    },
    appliedLimit: (asked) => (limitCap === undefined ? asked : Math.min(asked, limitCap)),
    echoedLimit: (asked, applied) => (limitEcho === "none" ? undefined : limitEcho === "applied" ? applied : asked),
    total: (trueTotal, campaignId) => {
      if (typeof totals === "function") return totals(trueTotal, campaignId)
      switch (totals) {
        case "true":
          return trueTotal
        case "tooSmall":
          return Math.floor(trueTotal / 3)
        case "zero":
          return 0
        case "tooLarge":
          return trueTotal * 2 + 7
      }
    },
    createdAtText: (lead) =>
      texts.get(keyOf(lead)) ?? (timestamps === "zoneless" ? zoneless(lead.createdAt) : lead.createdAt),
    listing: (campaigns) => (listing === undefined ? campaigns : listing(campaigns))
  }
}
