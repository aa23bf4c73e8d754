/**
 * The progress of a shell export (`--records-only`, `--format csv`), on stderr and never on
 * stdout: partitions (campaigns) done of the total of the stream being read, its records, the
 * sync's requests, the time waited for the rate limit, the time elapsed and an estimate of what
 * is left (`SyncStats.remainingMs`). On a terminal it is one line redrawn in place (`\r` and
 * clear-line) at most every `redrawMs`, cut to the terminal's width, and cleared before any other
 * text goes to stderr (`clearing` wraps the format that writes warnings there); elsewhere (a file,
 * a pipe, a CI log) a plain line every `intervalMs`. `finish` stops it, clears the line and writes
 * the sync's last line.
 */
import type { Scope } from "effect"
import { Effect, Fiber, Schedule } from "effect"
import type { Format, Stderr } from "../airbyte/Output.js"
import type { Snapshot, SyncStatsShape } from "../airbyte/SyncStats.js"
import { count, duration, remainingMs } from "../airbyte/SyncStats.js"

/** Moves to the start of the line and clears it. */
export const CLEAR_LINE = "\r\x1b[2K"

/** How often the line is redrawn on a terminal. */
export const REDRAW_MS = 250

/** Seconds between plain progress lines when stderr is not a terminal, unless `--progress-interval` says. */
export const DEFAULT_INTERVAL_SECONDS = 10

const plural = (n: number, noun: string) => `${count(n)} ${noun}${n === 1 ? "" : "s"}`

/**
 * The progress text: `leads: 12 of 300 campaigns, 4,512 records, 212 requests, 41 s waited for
 * the rate limit, 2 min 5 s elapsed, about 5 min left`.
 */
export const line = (snapshot: Snapshot): string => {
  const stream = snapshot.streams.find((stats) => stats.name === snapshot.current)
  const parts: Array<string> = []
  if (stream?.partitions !== undefined) {
    const { done, noun, total } = stream.partitions
    parts.push(`${count(done)} of ${plural(total, noun)}`)
  }
  if (stream !== undefined) parts.push(plural(stream.records, "record"))
  parts.push(
    plural(snapshot.requests, "request"),
    `${duration(snapshot.waitedMs)} waited for the rate limit`,
    `${duration(snapshot.now - snapshot.startedAt)} elapsed`
  )
  const left = remainingMs(snapshot)
  if (left !== undefined) parts.push(`about ${duration(left)} left`)
  return `${stream === undefined ? "starting" : stream.name}: ${parts.join(", ")}`
}

/** A text cut to fit one terminal line of `columns` characters (one left free for the cursor). */
export const fit = (text: string, columns: number | undefined): string =>
  columns === undefined || text.length < columns ? text : `${text.slice(0, Math.max(0, columns - 2))}…`

/** A progress display under way. */
export interface Progress {
  /** Text for stderr, preceded by what clears the progress line if one is drawn (it is redrawn later). */
  readonly before: (text: string) => string
  /** Stops the display, clears its line, and writes `last` (the sync's last line) as a line of its own. */
  readonly finish: (last: string | undefined) => Effect.Effect<void>
}

/** Starts showing the progress of `stats` on `stderr`, in the scope. */
export const start = (options: {
  readonly stats: SyncStatsShape
  readonly stderr: Stderr
  readonly intervalMs: number
  readonly redrawMs?: number
}): Effect.Effect<Progress, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { stats, stderr } = options
    let drawn: string | undefined
    const draw = Effect.map(stats.snapshot, (snapshot) => {
      const text = fit(line(snapshot), stderr.columns)
      if (text === drawn) return
      stderr.write(CLEAR_LINE + text)
      drawn = text
    })
    const print = Effect.map(stats.snapshot, (snapshot) => stderr.write(`progress: ${line(snapshot)}\n`))
    const [tick, every] = stderr.isTerminal
      ? [draw, options.redrawMs ?? REDRAW_MS]
      : [print, options.intervalMs]
    const fiber = yield* tick.pipe(Effect.repeat(Schedule.spaced(every)), Effect.delay(every), Effect.forkScoped)
    const clear = () => {
      if (drawn === undefined) return ""
      drawn = undefined
      return CLEAR_LINE
    }
    return {
      before: (text) => clear() + text,
      finish: (last) =>
        Effect.zipRight(
          Fiber.interrupt(fiber),
          Effect.sync(() => {
            const text = clear() + (last === undefined ? "" : `info: ${last}\n`)
            if (text !== "") stderr.write(text)
          })
        )
    }
  })

/** `format`, its stderr text preceded by what clears the progress line. */
export const clearing = (format: Format, progress: Progress): Format => ({
  records: format.records,
  message: (message) => {
    const rendered = format.message(message)
    return rendered.stderr === undefined ? rendered : { ...rendered, stderr: progress.before(rendered.stderr) }
  }
})
