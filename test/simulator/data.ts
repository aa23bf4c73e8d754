/**
 * Deterministic data generation for the SmartLead API simulator.
 * Node builtins only; no runtime dependencies.
 */

export type Shape = "real" | "documented" | "mixed"
export type Order = "ascending" | "descending" | "shuffled"

export interface SimLead {
  campaignId: number
  id: number
  campaignLeadMapId: number
  email: string
  firstName: string | null
  lastName: string | null
  companyName: string | null
  phoneNumber: string | null
  website: string | null
  location: string | null
  linkedinProfile: string | null
  companyUrl: string | null
  status: string
  categoryId: number | null
  categoryName: string | null
  createdAt: string
  lastSentTime: string | null
  emailStats: Record<string, boolean>
  customFields: Record<string, unknown> | null
  isUnsubscribed: boolean
  unsubscribedClientIdMap: unknown
  /** Extra unknown fields the API "adds"; merged into the top level of the response row (both shapes). */
  extra?: Record<string, unknown>
  /** Latest email activity other than a send (open, click, reply), set by the mutation mode; see `latestActivity`. */
  activityAt?: string
}

export interface SimCategory {
  id: number
  name: string
  sentiment_type: string
  created_at: string
}

export interface SimCampaign {
  id: number
  user_id: number
  created_at: string
  updated_at: string
  status: string
  name: string
  track_settings: Array<string>
  scheduler_cron_value: { tz: string; days: Array<number>; endHour: string; startHour: string } | null
  min_time_btwn_emails: number
  max_leads_per_day: number
  stop_lead_settings: string
  schedule_start_time: string | null
  enable_ai_esp_matching: boolean
  send_as_plain_text: boolean
  follow_up_percentage: number
  unsubscribe_text: string | null
  parent_campaign_id: number | null
  client_id: number | null
  tags: Array<{ tag_id: number; tag_name: string; tag_color: string }>
}

/** The four categories of official-docs_leads-fetch-categories__00_200-success.json. */
export const CATEGORIES: ReadonlyArray<SimCategory> = [
  { id: 1, name: "Interested", sentiment_type: "positive", created_at: "2024-01-15T10:30:00.000Z" },
  { id: 2, name: "Not Interested", sentiment_type: "negative", created_at: "2024-01-15T10:30:00.000Z" },
  { id: 3, name: "Meeting Booked", sentiment_type: "positive", created_at: "2024-01-15T10:30:00.000Z" },
  { id: 789, name: "Follow Up Later", sentiment_type: "neutral", created_at: "2025-11-20T14:22:00.000Z" }
]

export const CAMPAIGN_ID_BASE = 2710262
export const LEAD_ID_BASE = 2995276770
export const LEAD_MAP_ID_BASE = 2433664091
export const DEFAULT_BASE_TIME = "2025-01-01T00:00:00.000Z"

export const LEAD_STATUSES: ReadonlyArray<string> = ["STARTED", "INPROGRESS", "COMPLETED", "PAUSED", "STOPPED"]

/** Values accepted by the `emailStatus` query parameter. */
export const EMAIL_STATUS_VALUES: ReadonlyArray<string> = [
  "is_opened",
  "is_clicked",
  "is_bounced",
  "is_replied",
  "is_unsubscribed",
  "is_spam",
  "is_accepted",
  "not_replied",
  "is_sender_bounced"
]

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

export interface Rng {
  /** uniform in [0, 1) */
  next(): number
  /** integer in [min, max] inclusive */
  int(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: ReadonlyArray<T>): T
}

export const makeRng = (seed: number): Rng => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: ReadonlyArray<T>): T => items[Math.floor(next() * items.length)] as T
  }
}

/** 32-bit hash of (seed, n) for deterministic, insertion-independent shuffles. */
export const hash32 = (seed: number, n: number): number => {
  let h = (seed ^ 0x9e3779b9) >>> 0
  const mix = (v: number) => {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    h = (h ^ (h >>> 16)) >>> 0
  }
  mix(n % 4294967296)
  mix(Math.floor(n / 4294967296))
  return h
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

const FIRST_NAMES = [
  "John", "Maria", "José", "Zoë", "Łukasz", "Søren", "François", "Ana", "Priya", "Wei",
  "Chloé", "Björn", "Ngozi", "Hiroshi", "Olga", "Mateo", "Aisha", "İlkay", "Noël", "Emma"
]
const LAST_NAMES = [
  "Doe", "García", "Müller", "Nowak", "Østergaard", "Dvořák", "Smith", "Nguyễn", "山田", "O'Brien",
  "Kowalczyk", "Johansson", "Silva", "Patel", "Schröder", "Lefèvre", "Ivanova", "Chen", "Okafor", "Brown"
]
const COMPANIES = [
  "Acme Corp", "Globex", "Initech", "Société Démo SARL", "Müller & Söhne GmbH", "北京科技有限公司",
  "Umbrella Corp", "Hooli", "Stark Industries", "Wayne Enterprises", "Tyrell Corp", "Cyberdyne Systems"
]
const LOCATIONS = [
  "San Francisco, CA", "Berlin, Germany", "São Paulo, Brazil", "Kraków, Poland", "東京, Japan",
  "London, UK", "Zürich, Switzerland", "Lagos, Nigeria", "Austin, TX", "Montréal, QC"
]
const JOB_TITLES = ["CEO", "CTO", "Head of Sales", "VP Marketing", "Founder", "Directeur Général", "Engineer"]
const INDUSTRIES = ["Technology", "SaaS", "Manufacturing", "Finance", "Healthcare", "Retail", "Énergie"]
const CAMPAIGN_NAMES = [
  "Cold Outreach Q1 2024", "Monthly sales", "Weekly events", "Black Friday prep", "Partner program",
  "Re-engagement – dormant accounts", "Webinar follow-up", "Expansion DACH", "Enterprise ABM", "Product launch"
]
const CAMPAIGN_STATUSES = ["ACTIVE", "PAUSED", "DRAFTED", "COMPLETED", "STOPPED"]
const TIMEZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC"]

/** "José García" -> "jose.garcia" (ASCII-only, for e-mail local parts and URLs) */
const slug = (s: string): string =>
  s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/ł/g, "l").replace(/ø/g, "o")
    .replace(/ı/g, "i").replace(/[^a-z0-9]+/g, "")

export const toIso = (ms: number): string => new Date(ms).toISOString()

export const categoryName = (id: number | null): string | null =>
  id === null ? null : (CATEGORIES.find((c) => c.id === id)?.name ?? null)

// ---------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------

export const makeCampaign = (rng: Rng, id: number, index: number, baseMs: number): SimCampaign => {
  const createdMs = baseMs - (30 - (index % 30)) * 86_400_000 + rng.int(0, 86_399) * 1000 + rng.int(0, 999)
  const updatedMs = createdMs + rng.int(60, 86_400) * 1000 + rng.int(0, 999)
  const withSchedule = index % 3 !== 2
  return {
    id,
    user_id: 196026,
    created_at: toIso(createdMs),
    updated_at: toIso(updatedMs),
    status: index === 0 ? "ACTIVE" : rng.pick(CAMPAIGN_STATUSES),
    name: `${CAMPAIGN_NAMES[index % CAMPAIGN_NAMES.length] ?? "Campaign"}${index >= CAMPAIGN_NAMES.length ? ` #${index}` : ""}`,
    track_settings: rng.chance(0.5) ? ["DONT_EMAIL_OPEN", "DONT_LINK_CLICK"] : [],
    scheduler_cron_value: withSchedule
      ? { tz: rng.pick(TIMEZONES), days: [1, 2, 3, 4, 5], endHour: "19:00", startHour: "09:00" }
      : null,
    min_time_btwn_emails: rng.pick([10, 20, 24, 30]),
    max_leads_per_day: rng.pick([50, 100, 200]),
    stop_lead_settings: "REPLY_TO_AN_EMAIL",
    schedule_start_time: null,
    enable_ai_esp_matching: rng.chance(0.5),
    send_as_plain_text: rng.chance(0.3),
    follow_up_percentage: rng.pick([20, 50, 100]),
    unsubscribe_text: rng.chance(0.5) ? "" : null,
    parent_campaign_id: null,
    client_id: index % 4 === 3 ? 4242 : null,
    tags: index % 2 === 0 ? [{ tag_id: 1, tag_name: "Q1", tag_color: "#FF5733" }] : []
  }
}

// ---------------------------------------------------------------------------
// Leads
// ---------------------------------------------------------------------------

/**
 * created_at instants (ms) for `count` leads starting at `startMs`: each a few seconds to
 * minutes after the previous one, with bulk imports (groups of 3–5 sharing exactly the same
 * instant). A group always starts at index 3 when there are enough leads.
 */
export const makeTimeline = (rng: Rng, count: number, startMs: number): Array<number> => {
  const out: Array<number> = []
  let t = startMs
  while (out.length < count) {
    t += rng.int(2, 300) * 1000 + (out.length === 0 ? 0 : rng.int(0, 999))
    const i = out.length
    const bulk = count - i >= 3 && (i === 3 || rng.chance(0.12))
    const size = bulk ? Math.min(count - i, rng.int(3, 5)) : 1
    for (let k = 0; k < size; k++) out.push(t)
  }
  return out
}

export interface LeadFactory {
  make(campaignId: number, createdAtMs: number): SimLead
  /** how many leads were made so far */
  readonly count: number
}

export const makeLeadFactory = (seed: number): LeadFactory => {
  const rng = makeRng((seed ^ 0x1ead5eed) >>> 0)
  let n = 0
  return {
    get count() {
      return n
    },
    make(campaignId, createdAtMs) {
      const id = LEAD_ID_BASE + n
      const campaignLeadMapId = LEAD_MAP_ID_BASE + n
      n++
      const firstName = rng.chance(0.03) ? null : rng.pick(FIRST_NAMES)
      const lastName = rng.chance(0.08) ? null : rng.pick(LAST_NAMES)
      const companyName = rng.chance(0.1) ? null : rng.pick(COMPANIES)
      const local = [firstName, lastName].filter((x): x is string => x !== null).map(slug).filter((x) => x !== "")
      const domain = companyName === null ? "example.com" : `${slug(companyName) || "company"}.example.com`
      const email = `${local.length > 0 ? local.join(".") : "lead"}.${id}@${domain}`
      const website = rng.chance(0.25) ? null : `https://${domain}`
      const status = rng.pick(LEAD_STATUSES)
      const sent = status !== "STARTED" && !rng.chance(0.1)
      const lastSentMs = createdAtMs + rng.int(3600, 3 * 86_400) * 1000 + rng.int(0, 999)
      const isUnsubscribed = rng.chance(0.05)
      const opened = sent && rng.chance(0.5)
      const clicked = opened && rng.chance(0.4)
      const replied = sent && rng.chance(0.25)
      const bounced = sent && !opened && !replied && rng.chance(0.15)
      const emailStats: Record<string, boolean> = {
        is_opened: opened,
        is_clicked: clicked,
        is_replied: replied,
        is_bounced: bounced,
        is_unsubscribed: isUnsubscribed,
        is_spam: sent && rng.chance(0.03),
        is_accepted: sent && !bounced,
        is_sender_bounced: sent && rng.chance(0.02)
      }
      const categoryId = replied
        ? rng.pick<number | null>([1, 2, 3, null])
        : rng.chance(0.08)
        ? rng.pick([1, 2, 3])
        : null
      const cf = rng.next()
      const customFields: Record<string, unknown> | null =
        cf < 0.15
          ? null
          : cf < 0.25
          ? {}
          : {
              job_title: rng.pick(JOB_TITLES),
              industry: rng.pick(INDUSTRIES),
              ...(rng.chance(0.3) ? { employees: rng.int(1, 5000) } : {})
            }
      return {
        campaignId,
        id,
        campaignLeadMapId,
        email,
        firstName,
        lastName,
        companyName,
        phoneNumber: rng.chance(0.3) ? null : `+1${rng.int(200, 999)}${rng.int(1000000, 9999999)}`,
        website,
        location: rng.chance(0.2) ? null : rng.pick(LOCATIONS),
        linkedinProfile: rng.chance(0.4) || local.length === 0 ? null : `https://linkedin.com/in/${local.join("")}`,
        companyUrl: website === null ? null : rng.chance(0.8) ? website : null,
        status,
        categoryId,
        categoryName: categoryName(categoryId),
        createdAt: toIso(createdAtMs),
        lastSentTime: sent ? toIso(lastSentMs) : null,
        emailStats,
        customFields,
        isUnsubscribed,
        unsubscribedClientIdMap: isUnsubscribed ? { "0": true } : null
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Response rows
// ---------------------------------------------------------------------------

/** One element of `data` in the "real" (`{total_leads, offset, limit, data}`) shape. */
export const toRealRow = (l: SimLead): Record<string, unknown> => ({
  campaign_lead_map_id: l.campaignLeadMapId,
  lead_category_id: l.categoryId,
  status: l.status,
  created_at: l.createdAt,
  lead: {
    id: l.id,
    first_name: l.firstName,
    last_name: l.lastName,
    email: l.email,
    phone_number: l.phoneNumber,
    company_name: l.companyName,
    website: l.website,
    location: l.location,
    linkedin_profile: l.linkedinProfile,
    company_url: l.companyUrl,
    custom_fields: l.customFields,
    is_unsubscribed: l.isUnsubscribed,
    unsubscribed_client_id_map: l.unsubscribedClientIdMap
  },
  ...l.extra
})

/** One element of `leads` in the "documented" (`{total, leads, offset, limit}`) shape. */
export const toDocumentedLead = (l: SimLead): Record<string, unknown> => ({
  id: l.id,
  email: l.email,
  first_name: l.firstName,
  last_name: l.lastName,
  company_name: l.companyName,
  status: l.status,
  category_id: l.categoryId,
  category_name: l.categoryName,
  created_at: l.createdAt,
  last_sent_time: l.lastSentTime,
  email_stats: {
    is_opened: l.emailStats["is_opened"] === true,
    is_clicked: l.emailStats["is_clicked"] === true,
    is_replied: l.emailStats["is_replied"] === true,
    is_bounced: l.emailStats["is_bounced"] === true
  },
  custom_fields: l.customFields,
  ...l.extra
})
