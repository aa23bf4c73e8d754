/**
 * The client-side rate limit shared by every request of the process. Requests take evenly spaced
 * slots, `1 / max_requests_per_second` apart, and no slot is handed out while the previous
 * `ceil(R)` slots fall within the last second plus a small margin, so concurrent campaign reads
 * together stay within R requests in any rolling second even when network jitter bunches their
 * arrivals. A slot is recorded at the time its request actually goes out (a busy event loop may
 * wake a sleeper late), so the window holds for what the server sees. A 429's Retry-After, or a
 * nearly spent `X-RateLimit-Remaining` budget, pushes the next free slot later for everyone.
 * Time comes from Effect's `Clock`, so tests can drive it with `TestClock`. A wait for a slot is
 * counted to the runner's `SyncStats`.
 *
 * Why not Effect's `RateLimiter`: it bounds grants per window at the limiter, not requests per
 * rolling second as the server sees them. Its `fixed-window` lets 2R through across a window
 * edge; its `token-bucket` with limit R bursts R and then refills, again up to 2R in a rolling
 * second, and with limit 1 (even spacing) it keeps no margin and cannot move a slot to when a
 * late-woken request really leaves; it takes integer limits only (0.25 requests per second
 * needs limit 1 per 4 s, fine, but a margin per window has no place). And it has no "nothing
 * before t" for a server-requested pause: a latch in front would hold the waiting fibers, but
 * on opening release them together into the bucket's burst. Here the pause is the same
 * variable as the spacing (`next`), so requests resume spaced after it.
 */
import { Context, Duration, Effect, Layer } from "effect"
import * as SyncStats from "../airbyte/SyncStats.js"

/** Extra room kept in every rolling one-second window, for jitter between send and arrival. */
export const WINDOW_MARGIN_MS = 50

export interface RateLimitShape {
  /** Waits for the next free slot. */
  readonly take: Effect.Effect<void>
  /** No slot is handed out before `epochMs`. */
  readonly pauseUntil: (epochMs: number) => Effect.Effect<void>
}

/** The process-wide request limiter. */
export class RateLimit extends Context.Tag("smartlead/RateLimit")<RateLimit, RateLimitShape>() {}

/**
 * A limiter allowing `perSecond` requests per second (fractions allowed), on the `Clock` of the
 * context it is made in. A request whose slot has come goes at once, in one step; only a wait is
 * counted to `SyncStats` as time spent waiting for the rate limit.
 */
export const make = (perSecond: number) =>
  Effect.map(Effect.clock, (clock) => {
    const intervalMs = 1000 / perSecond
    const window = Math.max(1, Math.ceil(perSecond))
    const granted: Array<number> = []
    let next = 0
    const grant = (now: number): number => {
      const oldest = granted.length === window ? Math.min(...granted) + 1000 + WINDOW_MARGIN_MS : 0
      const slot = Math.max(now, next, perSecond >= 1 ? oldest : 0)
      next = slot + intervalMs
      granted.push(slot)
      if (granted.length > window) granted.shift()
      return slot
    }
    /** Moves a granted slot to when its request really leaves, if that is later. */
    const sent = (slot: number, at: number) => {
      if (at <= slot) return
      const index = granted.lastIndexOf(slot)
      if (index >= 0) granted[index] = at
      if (slot + intervalMs === next) next = at + intervalMs
    }
    const take = Effect.suspend(() => {
      const now = clock.unsafeCurrentTimeMillis()
      const slot = grant(now)
      // Clocks and timers count whole milliseconds: a slot less than one away has come.
      if (slot - now < 1) return Effect.void
      return SyncStats.waitingForRateLimit(
        Effect.zipRight(
          clock.sleep(Duration.millis(slot - now)),
          Effect.sync(() => sent(slot, clock.unsafeCurrentTimeMillis()))
        )
      )
    })
    const pauseUntil = (epochMs: number) =>
      Effect.sync(() => {
        next = Math.max(next, epochMs)
      })
    return { take, pauseUntil } satisfies RateLimitShape
  })

/** The limiter as a layer. */
export const layer = (perSecond: number): Layer.Layer<RateLimit> => Layer.effect(RateLimit, make(perSecond))
