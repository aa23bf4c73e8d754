/**
 * The connector in a shell pipe: flags that `main` adds to `read`, above the Airbyte runner,
 * which knows nothing of them. `--records-only` prints one stream's records as JSON Lines and
 * `--format csv` (or `--columns`) as CSV with chosen columns, nested fields by dotted path;
 * whatever is not a record goes to stderr as text. `--stream` narrows the read to one stream, in
 * any mode. `--state-output` saves the final states the read returns (also when streams failed)
 * as a state input the next run's `--state` accepts, for incremental exports. A records-only
 * export shows its progress on stderr (`Progress`: a line redrawn in place on a terminal, a plain
 * line every `--progress-interval` seconds elsewhere) and ends with the sync's last line there
 * (`SyncStats.summary`); `--progress-interval 0` turns both off.
 */
import { Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Exit, Option } from "effect"
import type { ReadExtension, ReadExtensionFor, SelectStreams } from "../airbyte/Cli.js"
import { UsageError } from "../airbyte/Edge.js"
import * as Formats from "../airbyte/Formats.js"
import { InputError } from "../airbyte/Inputs.js"
import type { Format, Stderr } from "../airbyte/Output.js"
import { Output } from "../airbyte/Output.js"
import type { FinalStates } from "../airbyte/Read.js"
import type { AnySource } from "../airbyte/Source.js"
import { stateInputOf } from "../airbyte/State.js"
import * as SyncStats from "../airbyte/SyncStats.js"
import * as Progress from "./Progress.js"

/** The shell flags of `read`, as parsed. */
export interface ShellFlags {
  readonly recordsOnly: boolean
  readonly format: Option.Option<"jsonl" | "csv">
  readonly columns: Option.Option<string>
  readonly stream: Option.Option<string>
  readonly stateOutput: Option.Option<string>
  /** Seconds between progress lines when stderr is not a terminal; 0: no progress. */
  readonly progressInterval: Option.Option<number>
}

/** How records are printed. */
export type Rendering =
  | { readonly _tag: "Protocol" }
  | { readonly _tag: "JsonLines" }
  | { readonly _tag: "Csv"; readonly columns: ReadonlyArray<string> }

/** What the flags ask of a read. */
export interface Plan {
  readonly rendering: Rendering
  /** The one stream to read, when the read is narrowed to one. */
  readonly stream: string | undefined
  /** Where the final states go. */
  readonly stateOutput: string | undefined
  /** Seconds between plain progress lines (records-only reads), 0 for none. */
  readonly progressSeconds: number
}

/** Whether the flags ask for records only (rather than protocol messages). */
export const recordsOnly = (flags: ShellFlags): boolean =>
  flags.recordsOnly || Option.isSome(flags.format) || Option.isSome(flags.columns)

/** The default CSV columns of a stream: the stream's choice, else its primary key and cursor. */
export const defaultColumns = (source: AnySource<unknown>, name: string): ReadonlyArray<string> => {
  const stream = source.streams.find((candidate) => candidate.name === name)
  if (stream?.columns !== undefined) return stream.columns
  const paths = [...(stream?.primaryKey ?? []), ...(stream?.cursorField === undefined ? [] : [stream.cursorField])]
  return Array.from(new Set(paths.map((path) => path.join("."))))
}

const parseColumns = (text: string): Either.Either<ReadonlyArray<string>, UsageError> => {
  const columns = text.split(",").map((column) => column.trim()).filter((column) => column.length > 0)
  return columns.length > 0
    ? Either.right(columns)
    : Either.left(new UsageError({ reason: `--columns ${JSON.stringify(text)} names no column` }))
}

/** What the flags ask of a read of this source; a usage error names what does not fit. */
export const plan = (source: AnySource<unknown>, flags: ShellFlags): Either.Either<Plan, UsageError> =>
  Either.gen(function*() {
    const names = source.streams.map((stream) => stream.name)
    const stream = Option.getOrElse(flags.stream, () => (recordsOnly(flags) ? names[0] : undefined))
    if (stream !== undefined && !names.includes(stream)) {
      return yield* Either.left(
        new UsageError({ reason: `unknown stream ${JSON.stringify(stream)} (this source has ${names.join(", ")})` })
      )
    }
    const stateOutput = Option.getOrUndefined(flags.stateOutput)
    const progressSeconds = Option.getOrElse(flags.progressInterval, () => Progress.DEFAULT_INTERVAL_SECONDS)
    if (!(progressSeconds >= 0) || !Number.isFinite(progressSeconds)) {
      return yield* Either.left(
        new UsageError({
          reason: `--progress-interval must be a number of seconds, 0 or more (got ${progressSeconds})`
        })
      )
    }
    if (!recordsOnly(flags)) {
      return { rendering: { _tag: "Protocol" as const }, stream, stateOutput, progressSeconds: 0 }
    }
    const format = Option.getOrElse(flags.format, () => (Option.isSome(flags.columns) ? "csv" : "jsonl"))
    if (format === "jsonl") {
      if (Option.isSome(flags.columns)) {
        return yield* Either.left(new UsageError({ reason: "--columns applies to --format csv, not jsonl" }))
      }
      return { rendering: { _tag: "JsonLines" as const }, stream, stateOutput, progressSeconds }
    }
    const columns = Option.isSome(flags.columns)
      ? yield* parseColumns(flags.columns.value)
      : defaultColumns(source, stream!)
    return { rendering: { _tag: "Csv" as const, columns }, stream, stateOutput, progressSeconds }
  })

/** Narrows a configured catalog to one stream, which it must hold. */
export const narrowTo = (stream: string): SelectStreams => (catalog, inputs) => {
  const streams = catalog.streams.filter((configured) => configured.stream.name === stream)
  return streams.length > 0
    ? Effect.succeed({ ...catalog, streams })
    : Effect.fail(
      new UsageError({
        reason: `stream ${JSON.stringify(stream)} is not in the --catalog ${
          JSON.stringify(Option.getOrElse(inputs.catalog, () => ""))
        }`
      })
    )
}

/** Writes final states to a file, as a state input for the next `--state`. */
export const saveStates = (path: string, states: FinalStates) =>
  Effect.flatMap(
    FileSystem.FileSystem,
    (fs) => fs.writeFileString(path, JSON.stringify(stateInputOf(states), null, 2) + "\n")
  ).pipe(
    Effect.mapError((error) =>
      new InputError({
        flag: "state-output",
        path,
        reason: `cannot be written (${error._tag === "SystemError" ? error.reason : error.message})`
      })
    )
  )

const describeStreams = (source: AnySource<unknown>) => source.streams.map((stream) => stream.name).join(", ")

/**
 * Progress on `stderr` for a read: the `SyncStats` the read counts with, the display, and what
 * runs the read with them — ending the display with the sync's last line once streams were read.
 */
const watch = (stderr: Stderr, intervalMs: number) =>
  Effect.gen(function*() {
    const stats = yield* SyncStats.make
    const display = yield* Progress.start({ stats, stderr, intervalMs })
    const around = <A, E, R>(read: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      read.pipe(
        Effect.provideService(SyncStats.SyncStats, stats),
        Effect.onExit((exit) =>
          Effect.flatMap(stats.snapshot, (snapshot) =>
            display.finish(
              // A read that stopped before any stream (a usage error, say) has no last line.
              Exit.isSuccess(exit) || snapshot.streams.length > 0
                ? SyncStats.summary(snapshot, SyncStats.outcomeOf(exit))
                : undefined
            ))
        )
      )
    return { display, around }
  })

/** The shell flags for `read`, made for a source: pass it to `Cli.make` in `extensions`. */
export const readOptions: ReadExtensionFor = (source) => {
  const first = source.streams[0]?.name ?? "stream"
  const options = Options.all({
    recordsOnly: Options.boolean("records-only").pipe(
      Options.withDescription(
        `Print only the records' data, one JSON per line (for jq, files), of one stream (--stream; default ${first}); warnings and errors go to stderr as text`
      )
    ),
    format: Options.choice("format", ["jsonl", "csv"]).pipe(
      Options.withDescription("Print records only, as jsonl (the default) or csv"),
      Options.optional
    ),
    columns: Options.text("columns").pipe(
      Options.withDescription(
        `CSV columns, comma-separated, nested fields by dotted path (a.b); implies --format csv (default for ${first}: ${
          defaultColumns(source, first).join(",")
        })`
      ),
      Options.optional
    ),
    stream: Options.text("stream").pipe(
      Options.withDescription(
        `Read only this stream: one of ${describeStreams(source)} (with --records-only, default ${first})`
      ),
      Options.optional
    ),
    stateOutput: Options.text("state-output").pipe(
      Options.withDescription(
        "When the read ends (streams failed or not), write the final state of every stream read to this file, as the next run's --state (incremental exports)"
      ),
      Options.optional
    ),
    progressInterval: Options.float("progress-interval").pipe(
      Options.withDescription(
        `With --records-only or --format: progress on stderr (campaigns done of the total, records, requests, time waited for the rate limit, time left), redrawn in place when stderr is a terminal, else a line every this many seconds (default ${Progress.DEFAULT_INTERVAL_SECONDS}); the sync's last line (requests per stream) follows on stderr. 0: neither`
      ),
      Options.optional
    )
  })
  const extension: ReadExtension<ShellFlags> = {
    options,
    examples: [
      `read --config config.json --records-only > ${first}.jsonl`,
      `read --config config.json --format csv --state state.json --state-output state.json > new-${first}.csv`,
      `read --config config.json --records-only --progress-interval 60 > ${first}.jsonl 2> progress.log`
    ],
    around: (flags, read) =>
      Effect.gen(function*() {
        const output = yield* Output
        if (recordsOnly(flags)) yield* output.useFormat(Formats.jsonLines)
        const chosen = yield* plan(source, flags)
        const progress = chosen.progressSeconds > 0
          ? yield* watch(output.stderr, chosen.progressSeconds * 1000)
          : undefined
        const format = (base: Format) => (progress === undefined ? base : Progress.clearing(base, progress.display))
        if (progress !== undefined) yield* output.useFormat(format(Formats.jsonLines))
        if (chosen.rendering._tag === "Csv") {
          yield* output.useFormat(
            format(Formats.csv(chosen.rendering.columns)),
            Formats.csvLine(chosen.rendering.columns)
          )
        }
        const path = chosen.stateOutput
        const states = yield* read(chosen.stream === undefined ? undefined : narrowTo(chosen.stream)).pipe(
          progress === undefined ? (effect) => effect : progress.around,
          Effect.tapError((error) =>
            path !== undefined && error._tag === "StreamsFailed"
              ? saveStates(path, error.states).pipe(Effect.catchAll((saveError) => Effect.logError(saveError.message)))
              : Effect.void
          )
        )
        if (path !== undefined) yield* saveStates(path, states)
        return states
      }).pipe(Effect.scoped)
  }
  return extension
}
