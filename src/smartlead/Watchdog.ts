/**
 * The request timeout of the API client, kept by one fiber for all requests instead of a timer
 * fiber per request (`Effect.timeout` forks two fibers per call, and on the hot path that was a
 * measurable share of the CPU and kept page bodies alive long enough to be promoted to the old
 * generation). Every request is given an `AbortSignal` that the watchdog aborts once the request
 * is past its deadline, and the transport gives up at once. Deadlines are kept in start order,
 * which is deadline order since every request has the same timeout. Time comes from the `Clock`
 * of the context it is made in, so tests can drive it with `TestClock`. Kept rather than
 * `Effect.timeoutFail` for that cost alone: the behaviour (fail with the caller's error, abort
 * the request) is the same; bench/HOT-PATH.md has the numbers.
 */
import type { Scope } from "effect"
import { Duration, Effect } from "effect"

/** One request under watch. */
interface Watched {
  readonly deadline: number
  readonly controller: AbortController
}

export interface WatchdogShape {
  /**
   * Runs `request` with a signal that is aborted when `timeoutMs` have passed; in that case the
   * request's failure (the abort it causes) is replaced by `onTimeout()`.
   */
  readonly bound: <A, E, E2>(
    request: (signal: AbortSignal) => Effect.Effect<A, E>,
    onTimeout: () => E2
  ) => Effect.Effect<A, E | E2>
}

/** The watchdog of requests taking `timeoutMs` at most; its fiber lives in the scope. */
export const make = (timeoutMs: number): Effect.Effect<WatchdogShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    /** Requests in flight, in start (= deadline) order. */
    const watched = new Set<Watched>()
    const clock = yield* Effect.clock
    const wake = yield* Effect.makeLatch(false)

    /** Sleeps until the earliest deadline and expires what is due; waits while nothing is in flight. */
    const watch: Effect.Effect<void> = Effect.gen(function*() {
      yield* wake.close
      const first = watched.values().next()
      if (first.done === true) return yield* wake.await
      const now = clock.unsafeCurrentTimeMillis()
      const entry = first.value
      if (entry.deadline > now) return yield* clock.sleep(Duration.millis(entry.deadline - now))
      watched.delete(entry)
      entry.controller.abort()
    })
    yield* Effect.forkScoped(Effect.forever(watch))

    const bound = <A, E, E2>(request: (signal: AbortSignal) => Effect.Effect<A, E>, onTimeout: () => E2) =>
      Effect.suspend(() => {
        const entry: Watched = {
          deadline: clock.unsafeCurrentTimeMillis() + timeoutMs,
          controller: new AbortController()
        }
        watched.add(entry)
        wake.unsafeOpen()
        return Effect.ensuring(
          Effect.mapError(request(entry.controller.signal), (error): E | E2 =>
            entry.controller.signal.aborted ? onTimeout() : error),
          Effect.sync(() =>
            watched.delete(entry)
          )
        )
      })

    return { bound } satisfies WatchdogShape
  })
