/**
 * Read schedules by partition tier: which partitions of a partitioned stream a sync reads. A
 * source gives each partition a cadence: read every sync (`sync`: a campaign that sends), on a
 * slow clock (`interval`: one that changes rarely), or not at all (`never`: one that has nothing
 * to read yet), and a label (its status) so that a partition whose label changed is read at
 * once. A slow partition is read once per interval, at a phase of its own, so that the
 * partitions of one tier spread evenly over the syncs of the interval instead of falling due
 * together: `spread` gives the partitions of a tier phases evenly spaced over the interval, in the
 * order of a hash of their ids (so a partition added or removed moves the others' phases by one
 * step at most); the same slot rule times any other slow-clock work (a lookback re-read, say).
 * Pure: time is passed in.
 */

/** How often a partition is read. */
export type Cadence = "sync" | "interval" | "never"

/** A partition as a source lists it. */
export interface Partition {
  readonly id: string
  /** `sync` unless said otherwise. */
  readonly cadence?: Cadence
  /** What the partition's cadence was chosen from (a status): a change is read at once. */
  readonly label?: string
  /** Whether the partition has activity to sweep for (a campaign that sent nothing has none); true unless said. */
  readonly sweep?: boolean
}

/** A partition listed by id alone: read every sync. */
export const partitionOf = (partition: string | Partition): Partition =>
  typeof partition === "string" ? { id: partition } : partition

/**
 * A stable, evenly spread number for an id's phase: FNV-1a, then MurmurHash3's finaliser (ids
 * are mostly consecutive numbers, which FNV alone leaves clustered).
 */
const hash = (id: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Where in each interval a partition's slot falls (ms after each multiple of the interval since
 * the epoch), from its id alone.
 */
export const phase = (id: string, intervalMs: number): number =>
  intervalMs <= 0 ? 0 : Math.floor((hash(id) / 0x1_0000_0000) * intervalMs)

/**
 * Phases for the partitions of one tier, evenly spaced over the interval (ordered by a hash of
 * their ids, starting at the phase of the first): with N partitions and hourly syncs of a daily
 * interval, each sync reads N / 24 of them, give or take one.
 */
export const spread = (ids: ReadonlyArray<string>, intervalMs: number): Map<string, number> => {
  const ordered = ids.map((id) => ({ id, h: hash(id) })).sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : 1))
  const start = ordered.length === 0 || intervalMs <= 0 ? 0 : phase(ordered[0]!.id, intervalMs)
  return new Map(
    ordered.map(({ id }, index) => [
      id,
      intervalMs <= 0 ? 0 : (start + Math.floor((index * intervalMs) / ordered.length)) % intervalMs
    ])
  )
}

/** The index of the last slot at or before `at`. */
const slot = (at: number, intervalMs: number, phaseMs: number): number => Math.floor((at - phaseMs) / intervalMs)

/**
 * Whether a partition's slow-clock work last done at `doneAt` is due at `now`: never done, an
 * interval of 0 (every sync), or a slot of the partition's phase (its own, or the one `spread`
 * gave it) passed since. A partition done at any time is due again within one interval (and one
 * sync), at a point that does not depend on when it was done, so partitions done together spread
 * out over the interval.
 */
export const isDue = (
  id: string,
  doneAt: number | undefined,
  now: number,
  intervalMs: number,
  phaseMs: number = phase(id, intervalMs)
): boolean =>
  doneAt === undefined || intervalMs <= 0 || slot(now, intervalMs, phaseMs) > slot(doneAt, intervalMs, phaseMs)

/** What a partition's state says of its last slow-clock read: when, and with which label. */
export interface LastRead {
  readonly doneAt: number | undefined
  readonly label: string | undefined
}

/** Which partitions of a sync's list a sync at `now` reads, with inactive ones on a clock of `intervalMs`. */
export interface Schedule {
  /** On the slow clock: cadence `interval`, and an interval above 0. */
  readonly isSlow: (partition: Partition) => boolean
  /**
   * Whether the sync reads the partition: never one of cadence `never`; every other one unless
   * it is slow; a slow one never read, whose label changed, or whose slot (`spread` over the
   * list's slow partitions) came since its last read.
   */
  readonly isDue: (partition: Partition, last: LastRead | undefined) => boolean
}

/** The schedule of a sync's partitions (see `Schedule`). */
export const schedule = (partitions: ReadonlyArray<Partition>, intervalMs: number, now: number): Schedule => {
  const isSlow = (partition: Partition) => intervalMs > 0 && partition.cadence === "interval"
  const phases = spread(partitions.filter(isSlow).map((partition) => partition.id), intervalMs)
  return {
    isSlow,
    isDue: (partition, last) =>
      partition.cadence !== "never" &&
      (!isSlow(partition) || last === undefined || last.label !== partition.label ||
        isDue(partition.id, last.doneAt, now, intervalMs, phases.get(partition.id)))
  }
}

/** The next instant after `doneAt` at which `isDue` turns true (for logs and tests). */
export const nextDue = (
  id: string,
  doneAt: number,
  intervalMs: number,
  phaseMs: number = phase(id, intervalMs)
): number => (slot(doneAt, intervalMs, phaseMs) + 1) * intervalMs + phaseMs
