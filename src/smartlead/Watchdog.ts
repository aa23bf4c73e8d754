/**
 * The request timeout of the API client, kept by one fiber for all requests instead of a timer
 * fiber per request (`Effect.timeout` forks two fibers per call, and on the hot path that was a
 * measurable share of the CPU and kept page bodies alive long enough to be promoted to the old
 * generation). Every request runs in a scope of its own that the watchdog closes once the
 * request is past its deadline; the HTTP client is built `HttpClient.withScope`, so closing the
 * scope aborts the request's `AbortSignal` and the transport gives up at once. Deadlines are
 * kept in start order, which is deadline order since every request has the same timeout. Time
 * comes from Effect's `Clock`, so tests can drive it with `TestClock`. Kept rather than
 * `Effect.timeoutFail` for that cost alone: the behaviour (fail with the caller's error, abort
 * the request) is the same; bench/HOT-PATH.md has the numbers.
 */
import type { Scope } from "effect"
import { Clock, Effect, Exit, Scope as Scopes } from "effect"

/** One request under watch. */
interface Watched {
  readonly deadline: number
  readonly scope: Scope.CloseableScope
  expired: boolean
}

export interface WatchdogShape {
  /**
   * Runs `effect` with a scope that is closed when it fails or is interrupted, or when
   * `timeoutMs` have passed, whichever comes first; in the last case the effect's failure (the
   * abort it causes) is replaced by `onTimeout()`. The scope of an effect that succeeded is
   * dropped, not closed: give it only finalizers that matter while the effect runs.
   */
  readonly bound: <A, E, E2>(
    effect: Effect.Effect<A, E, Scope.Scope>,
    onTimeout: () => E2
  ) => Effect.Effect<A, E | E2>
}

/** A watchdog bounding requests by `timeoutMs`; its fiber lives as long as the enclosing scope. */
export const make = (timeoutMs: number): Effect.Effect<WatchdogShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    /** Requests in flight, in start (= deadline) order. */
    const watched = new Set<Watched>()
    const wake = yield* Effect.makeLatch(false)

    const expire = (entry: Watched) =>
      Effect.suspend(() => {
        watched.delete(entry)
        entry.expired = true
        return Scopes.close(entry.scope, Exit.void)
      })

    /** Sleeps until the earliest deadline and expires what is due; waits while nothing is in flight. */
    const watch: Effect.Effect<void> = Effect.gen(function*() {
      yield* wake.close
      const first = watched.values().next()
      if (first.done === true) return yield* wake.await
      const now = yield* Clock.currentTimeMillis
      const entry = first.value
      if (entry.deadline > now) return yield* Effect.sleep(entry.deadline - now)
      yield* expire(entry)
    })
    yield* Effect.forkScoped(Effect.forever(watch))

    const bound = <A, E, E2>(effect: Effect.Effect<A, E, Scope.Scope>, onTimeout: () => E2) =>
      Effect.flatMap(Effect.zip(Scopes.make(), Clock.currentTimeMillis), ([scope, now]) => {
        const entry: Watched = { deadline: now + timeoutMs, scope, expired: false }
        watched.add(entry)
        wake.unsafeOpen()
        return effect.pipe(
          Scopes.extend(scope),
          Effect.mapError((error): E | E2 => (entry.expired ? onTimeout() : error)),
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              watched.delete(entry)
              // A request that succeeded has been read in full: there is nothing left to abort,
              // and closing its scope would abort its signal anyway (a DOMException with a
              // stack trace per request). Its scope is dropped; failures and interruptions close it.
              return Exit.isSuccess(exit) ? Effect.void : Scopes.close(scope, exit)
            })
          )
        )
      })

    return { bound } satisfies WatchdogShape
  })
