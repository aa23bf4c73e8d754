/**
 * Runs a command-line program (`Cli.make(…)`, say) in this process, the way `NodeMain.run`
 * does but with stdout and stderr captured as text: Node's platform layers, the LOG-message
 * logger, an `Output` writing to in-memory streams, and a `Console` (where `@effect/cli` prints
 * help texts) writing to the same ones. The exit code is the one `NodeMain.run` would exit with:
 * the program's own, or 1 when it failed. `start` also lets a test cut the run short as SIGKILL
 * would: from that moment nothing more it writes is kept, and its fiber is interrupted.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Clock, Console, Effect, Exit, Fiber, Layer } from "effect"
import { Writable } from "node:stream"
import * as Logging from "../../src/airbyte/Logging.js"
import * as Output from "../../src/airbyte/Output.js"
import * as Redaction from "../../src/airbyte/Redaction.js"

/** What a run printed, and its exit code (null when it was killed). */
export interface Captured {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A program of the CLI edge: argv in, exit code out. */
export type Program = (
  argv: ReadonlyArray<string>
) => Effect.Effect<number, never, NodeContext.NodeContext | Output.Output | Redaction.Redaction>

/** A run under way. */
export interface Running {
  /** Ends the run as SIGKILL would: what it writes from now on is dropped. */
  readonly kill: () => void
  readonly done: Promise<Captured & { readonly killed: boolean }>
}

const collector = (isKilled: () => boolean, onChunk?: (text: string) => void) => {
  const chunks: Array<string> = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      if (!isKilled()) {
        const text = String(chunk)
        chunks.push(text)
        onChunk?.(text)
      }
      callback()
    }
  })
  return { stream, text: () => chunks.join("") }
}

/** Options of a run in this process. */
export interface StartOptions {
  readonly script?: string
  readonly onStdout?: (text: string) => void
  /**
   * Runs the program on a clock this far ahead of the real one (behind, when negative): every
   * `Clock.currentTimeMillis`/`currentTimeNanos` of the program and the fibers it forks adds it,
   * while sleeps and timeouts last as long as on the real clock. A test runs "a sync an hour
   * later" at once. (Code that reads `Date.now()` itself does not see it.)
   */
  readonly clockOffsetMs?: number
}

/** A clock `offsetMs` ahead of `base`, sleeping as `base` does. */
export const offsetClock = (base: Clock.Clock, offsetMs: number): Clock.Clock => {
  const offsetNanos = BigInt(Math.round(offsetMs)) * 1_000_000n
  const millis = () => base.unsafeCurrentTimeMillis() + offsetMs
  const nanos = () => base.unsafeCurrentTimeNanos() + offsetNanos
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: nanos,
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) => base.sleep(duration)
  }
}

/** `effect` on a clock `offsetMs` ahead of the one it would run on (unchanged when 0 or undefined). */
export const withClockOffset = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  offsetMs: number | undefined
): Effect.Effect<A, E, R> =>
  offsetMs === undefined || offsetMs === 0
    ? effect
    : Effect.clockWith((base) => Effect.withClock(effect, offsetClock(base, offsetMs)))

const capture = (
  program: Program,
  args: ReadonlyArray<string>,
  options: StartOptions,
  isKilled: () => boolean
) => {
  const stdout = collector(isKilled, options.onStdout)
  const stderr = collector(isKilled)
  const output = Output.make(stdout.stream, stderr.stream, () => {})
  const layer = Layer.mergeAll(NodeContext.layer, Logging.layer(process.env["LOG_LEVEL"])).pipe(
    Layer.provideMerge(Layer.merge(Layer.succeed(Output.Output, output), Redaction.layer))
  )
  const line = (target: Writable) => (...parts: ReadonlyArray<unknown>) =>
    Effect.sync(() => void target.write(parts.map(String).join(" ") + "\n"))
  const effect = Console.consoleWith((base) =>
    program(["node", options.script ?? "program", ...args]).pipe(
      Effect.provide(layer),
      Console.withConsole({ ...base, log: line(stdout.stream), error: line(stderr.stream) }),
      (run) => withClockOffset(run, options.clockOffsetMs),
      Effect.exit
    )
  )
  return { effect, stdout: stdout.text, stderr: stderr.text }
}

/** Starts `program` with argv `[node, script, ...args]`; `onStdout` sees each chunk written to stdout. */
export const start = (
  program: Program,
  args: ReadonlyArray<string>,
  options: StartOptions = {}
): Running => {
  let killed = false
  const run = capture(program, args, options, () => killed)
  const fiber = Effect.runFork(run.effect)
  const done = Effect.runPromise(Fiber.await(fiber)).then((exit) => ({
    code: killed || Exit.isFailure(exit) ? null : Exit.isSuccess(exit.value) ? exit.value.value : 1,
    stdout: run.stdout(),
    stderr: run.stderr(),
    killed
  }))
  return {
    kill: () => {
      if (killed) return
      killed = true
      Effect.runFork(Fiber.interrupt(fiber))
    },
    done
  }
}

/** Runs `program` with argv `[node, program, ...args]` in the calling fiber (its clock and services), to its end; never fails. */
export const runInProcess = (program: Program, args: ReadonlyArray<string>): Effect.Effect<Captured> =>
  Effect.suspend(() => {
    const run = capture(program, args, {}, () => false)
    return Effect.map(run.effect, (exit) => ({
      code: Exit.isSuccess(exit) ? exit.value : 1,
      stdout: run.stdout(),
      stderr: run.stderr()
    }))
  })
