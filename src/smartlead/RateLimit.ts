/**
 * The client-side rate limit shared by every request of the process. Requests take evenly spaced
 * slots, `1 / max_requests_per_second` apart, so concurrent campaign reads together make at most
 * R+1 requests in any one-second window. A 429's Retry-After, or a nearly spent
 * `X-RateLimit-Remaining` budget, pushes the next free slot later for everyone. Time comes from
 * Effect's `Clock`, so tests can drive it with `TestClock`.
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"

export interface RateLimitShape {
  /** Waits for the next free slot. */
  readonly take: Effect.Effect<void>
  /** No slot is handed out before `epochMs`. */
  readonly pauseUntil: (epochMs: number) => Effect.Effect<void>
}

/** The process-wide request limiter. */
export class RateLimit extends Context.Tag("smartlead/RateLimit")<RateLimit, RateLimitShape>() {}

/** A limiter allowing `perSecond` requests per second (fractions allowed). */
export const make = (perSecond: number) =>
  Effect.gen(function*() {
    const intervalMs = 1000 / perSecond
    const next = yield* Ref.make(0)
    const take = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const slot = yield* Ref.modify(next, (free) => {
        const at = Math.max(now, free)
        return [at, at + intervalMs] as const
      })
      if (slot > now) yield* Effect.sleep(slot - now)
    })
    const pauseUntil = (epochMs: number) => Ref.update(next, (free) => Math.max(free, epochMs))
    return { take, pauseUntil } satisfies RateLimitShape
  })

/** The limiter as a layer. */
export const layer = (perSecond: number): Layer.Layer<RateLimit> => Layer.effect(RateLimit, make(perSecond))
