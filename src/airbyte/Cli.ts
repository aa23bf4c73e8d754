/**
 * The command line and its edge. Defines `spec`, `check --config`, `discover --config` and
 * `read --config [--catalog] [--state]` with `@effect/cli`, runs them against a `Source`, and is
 * the one place where failures become protocol output: an ERROR trace with a `failure_type`
 * (and, for `check`, a FAILED connection status) plus the process exit code. Exit codes: 0
 * success (including a FAILED check), 1 a failed command, 2 a usage error.
 */
import type { CliApp } from "@effect/cli"
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Cause, Data, Duration, Effect, Layer, Option } from "effect"
import type { ConfigInvalid } from "./Inputs.js"
import { decodeConfig, InputError, readCatalog, readJsonFile } from "./Inputs.js"
import * as Formats from "./Formats.js"
import type { Format } from "./Output.js"
import { Output, protocolFormat } from "./Output.js"
import type { AirbyteMessage, ErrorTrace, FailureType } from "./Protocol.js"
import { errorTraceMessage } from "./Protocol.js"
import type { CatalogMismatch } from "./Read.js"
import type { StreamsFailed } from "./Read.js"
import { defaultCatalog, read } from "./Read.js"
import { registerConfigSecrets, scrub } from "./Redaction.js"
import type { AnySource } from "./Source.js"
import { withSourceLocations } from "./StackTraces.js"
import type { StreamStates } from "./State.js"
import { readState } from "./State.js"

/** Exit codes of the CLI. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const

/** How long `check` may take before it answers FAILED. */
export const CHECK_TIMEOUT = Duration.seconds(25)

const configOption = Options.text("config").pipe(
  Options.withDescription("Path to the connector config JSON (see spec.json)")
)
const catalogOption = Options.text("catalog").pipe(
  Options.withDescription("Path to a configured catalog JSON; defaults to every stream (leads incremental)"),
  Options.optional
)
const stateOption = Options.text("state").pipe(
  Options.withDescription("Path to a state JSON (the platform's array of per-stream states, or the last STATE's stream_state)"),
  Options.optional
)

const recordsOnlyOption = Options.boolean("records-only").pipe(
  Options.withDescription("Print only the records' data as JSON Lines (for jq, files); warnings and errors go to stderr")
)
const formatOption = Options.choice("format", ["jsonl", "csv"]).pipe(
  Options.withDescription("With --records-only: jsonl (default) or csv"),
  Options.withDefault("jsonl" as const)
)
const columnsOption = Options.text("columns").pipe(
  Options.withDescription("With --format csv: comma-separated columns, nested fields by dotted path (custom_fields.job_title)"),
  Options.optional
)
const streamOption = Options.text("stream").pipe(
  Options.withDescription("With --records-only: the stream to print (default: leads)"),
  Options.optional
)
const stateOutputOption = Options.text("state-output").pipe(
  Options.withDescription(
    "Write the last STATE of each stream to this file when the read ends, for the next run's --state (incremental exports with --records-only)"
  ),
  Options.optional
)

/** The command line itself is wrong (exit 2). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/** Every failure the edge turns into protocol output and an exit code. */
export type EdgeError = InputError | ConfigInvalid | CatalogMismatch | StreamsFailed<unknown> | ValidationError.ValidationError | UsageError

const trace = (failureType: FailureType, message: string, extra: Partial<ErrorTrace> = {}): AirbyteMessage =>
  errorTraceMessage({
    failure_type: failureType,
    ...extra,
    message: scrub(message),
    ...(extra.internal_message === undefined ? {} : { internal_message: scrub(extra.internal_message) })
  })

const emit = (message: AirbyteMessage) => Effect.flatMap(Output, (output) => output.write(message))

const specProperties = (source: AnySource<unknown>) =>
  (source.spec.connectionSpecification["properties"] ?? {}) as Record<string, unknown>

/** Reads and decodes a `--config` file; registers its secrets and warns about unknown keys. */
export const loadConfig = (source: AnySource<unknown>, path: string) =>
  Effect.gen(function*() {
    const json = yield* readJsonFile("config", path)
    const properties = specProperties(source)
    registerConfigSecrets(properties, json)
    const { config, unknownKeys } = yield* decodeConfig(source.configSchema, Object.keys(properties), json)
    if (unknownKeys.length > 0) {
      yield* Effect.logWarning(`Ignoring unknown config keys: ${unknownKeys.join(", ")}`)
    }
    return config as unknown
  })

/** Checks each stream's input state with the stream's own rules, naming the state file. */
export const validateStates = (source: AnySource<unknown>, states: StreamStates, path: string | undefined) =>
  Effect.gen(function*() {
    for (const stream of source.streams) {
      const state = states.get(stream.name)
      const problem = state === undefined ? undefined : stream.validateState?.(state)
      if (problem !== undefined) {
        return yield* new InputError({ flag: "state", path: path ?? "", reason: `the ${stream.name} state is invalid: ${problem}` })
      }
    }
  })

/** The output and exit code of a failure: ERROR traces (rendered by the current format) and 1, or 2 for usage errors. */
export const reportFailure = (source: AnySource<unknown>, error: EdgeError): Effect.Effect<number, never, Output> => {
  if (error instanceof UsageError) {
    return Effect.as(emit(trace("config_error", `Usage error: ${error.message}`)), ExitCode.usage)
  }
  if (ValidationError.isValidationError(error)) {
    const text = "error" in error ? HelpDoc.toAnsiText(error.error).trim() : (error as { _tag: string })._tag
    return Effect.as(emit(trace("config_error", `Usage error: ${text}`)), ExitCode.usage)
  }
  switch (error._tag) {
    case "InputError":
    case "ConfigInvalid":
    case "CatalogMismatch":
      return Effect.as(emit(trace("config_error", error.message)), ExitCode.failed)
    case "StreamsFailed":
      return Effect.as(
        Effect.forEach(error.failures, ({ error: streamError, stream }) => {
          const report = source.describeError(streamError)
          return emit(trace(report.failureType, report.message, {
            stream_descriptor: { name: stream },
            ...(report.internalMessage === undefined ? {} : { internal_message: report.internalMessage })
          }))
        }),
        ExitCode.failed
      )
  }
}

/** A source's services for a config, with what its layer needs from the platform. */
export const layerFor = <Env>(source: AnySource<Env>, env: Layer.Layer<Env>, config: unknown) =>
  Layer.provide(source.layer(config), env)

/** Runs a command to its exit code: failures and defects are reported, never thrown. */
export const toExitCode = <R>(source: AnySource<unknown>, command: Effect.Effect<void, EdgeError, R>) =>
  command.pipe(
    Effect.as(ExitCode.ok as number),
    Effect.catchAll((error) => reportFailure(source, error)),
    Effect.catchAllDefect((defect) =>
      Effect.as(
        emit(trace("system_error", `Unexpected error: ${defect instanceof Error ? defect.message : String(defect)}`, {
          internal_message: withSourceLocations(Cause.pretty(Cause.die(defect)))
        })),
        ExitCode.failed
      )
    )
  )

/**
 * Builds the CLI program of a source: given argv, it runs one command and returns the exit code.
 * `env` provides what the source's layer needs (an HTTP client, say); it is built only by the
 * commands that talk to the API, so `spec` and `discover` never load it.
 */
export const make = <Env>(
  source: AnySource<Env>,
  info: { readonly name: string; readonly version: string; readonly env: Layer.Layer<Env> }
) => {
  const sourceLayer = (config: unknown) => layerFor(source, info.env, config)

  const spec = Command.make("spec", {}, () => emit({ type: "SPEC", spec: source.spec })).pipe(
    Command.withDescription("Print the connector specification (the config's JSON Schema). Example: spec > spec.json")
  )

  const check = Command.make("check", { config: configOption }, ({ config: path }) =>
    Effect.gen(function*() {
      const loaded = yield* loadConfig(source, path).pipe(
        Effect.map((config) => ({ config })),
        Effect.catchTag("ConfigInvalid", (error) => Effect.succeed({ invalid: error }))
      )
      if ("invalid" in loaded) {
        return yield* emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "FAILED", message: scrub(loaded.invalid.message) } })
      }
      const config = loaded.config
      const outcome = yield* source.check(config).pipe(
        Effect.provide(Layer.merge(sourceLayer(config), info.env)),
        Effect.timeoutFail({
          duration: CHECK_TIMEOUT,
          onTimeout: () => `no answer within ${Duration.toSeconds(CHECK_TIMEOUT)} s`
        }),
        Effect.either
      )
      if (outcome._tag === "Right") {
        return yield* emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "SUCCEEDED" } })
      }
      const message = typeof outcome.left === "string" ? outcome.left : source.describeError(outcome.left).message
      yield* emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "FAILED", message: scrub(message) } })
    })).pipe(Command.withDescription(
    "Validate the config, then test the connection to the API; answers SUCCEEDED or FAILED (exit 0 either way). Example: check --config secrets/config.json"
  ))

  const discover = Command.make("discover", { config: configOption }, ({ config: path }) =>
    Effect.gen(function*() {
      yield* loadConfig(source, path)
      yield* emit({
        type: "CATALOG",
        catalog: {
          streams: source.streams.map((stream) => ({
            name: stream.name,
            json_schema: stream.jsonSchema,
            supported_sync_modes: stream.supportedSyncModes,
            source_defined_primary_key: stream.primaryKey,
            is_resumable: stream.supportedSyncModes.includes("incremental"),
            ...(stream.cursorField ? { source_defined_cursor: true, default_cursor_field: stream.cursorField } : {})
          }))
        }
      })
    })).pipe(Command.withDescription(
    "Print the catalog of streams this source offers (no API call). Example: discover --config secrets/config.json"
  ))

  const shellFormat = (options: {
    readonly recordsOnly: boolean
    readonly format: "jsonl" | "csv"
    readonly columns: Option.Option<string>
    readonly stream: Option.Option<string>
  }) => {
    if (!options.recordsOnly && options.format === "jsonl" && Option.isNone(options.columns)) return undefined
    const stream = Option.getOrElse(options.stream, () => source.streams[0]!.name)
    if (options.format === "jsonl") return { stream, format: Formats.jsonLines, prelude: undefined }
    const columns = Option.match(options.columns, {
      onNone: () => source.defaultColumns?.[stream] ?? ["id"],
      onSome: (text) => text.split(",").map((column) => column.trim()).filter((column) => column.length > 0)
    })
    return { stream, format: Formats.csv(columns), prelude: Formats.csvLine(columns) }
  }

  const readCommand = Command.make(
    "read",
    {
      config: configOption,
      catalog: catalogOption,
      state: stateOption,
      recordsOnly: recordsOnlyOption,
      format: formatOption,
      columns: columnsOption,
      stream: streamOption,
      stateOutput: stateOutputOption
    },
    (options) =>
      Effect.gen(function*() {
        const shell = shellFormat(options)
        const lastStates = new Map<string, unknown>()
        if (shell !== undefined || Option.isSome(options.stateOutput)) {
          const base = shell?.format ?? protocolFormat
          const format: Format = {
            records: base.records,
            message: (message) => {
              if (message.type === "STATE") lastStates.set(message.state.stream.stream_descriptor.name, message.state)
              return base.message(message)
            }
          }
          yield* Effect.flatMap(Output, (output) => output.useFormat(format, shell?.prelude))
        }
        const saveStates = Option.match(options.stateOutput, {
          onNone: () => Effect.void,
          onSome: (path) =>
            Effect.flatMap(FileSystem.FileSystem, (fs) =>
              fs.writeFileString(path, JSON.stringify(Array.from(lastStates.values()), null, 2) + "\n")
            ).pipe(
              Effect.catchAll((error) => Effect.logError(`Could not write --state-output ${JSON.stringify(path)}: ${error.message}`))
            )
        })
        const config = yield* loadConfig(source, options.config)
        const fullCatalog = yield* Option.match(options.catalog, {
          onNone: () => Effect.succeed(defaultCatalog(source)),
          onSome: readCatalog
        })
        const catalog = shell === undefined || Option.isSome(options.catalog)
          ? fullCatalog
          : { streams: fullCatalog.streams.filter((stream) => stream.stream.name === shell.stream) }
        if (catalog.streams.length === 0 && shell !== undefined) {
          return yield* new UsageError({ reason: `unknown stream ${JSON.stringify(shell.stream)} (this source has ${source.streams.map((s) => s.name).join(", ")})` })
        }
        const statePath = Option.getOrUndefined(options.state)
        const states = yield* readState(statePath, source.bareStateStream)
        yield* validateStates(source, states, statePath)
        yield* read(source, config, catalog, states).pipe(
          Effect.provide(sourceLayer(config)),
          Effect.ensuring(Effect.suspend(() => (lastStates.size > 0 ? saveStates : Effect.void)))
        )
      })
  ).pipe(Command.withDescription(
    "Read records, emitting STATE checkpoints (every stream when no --catalog). Examples: " +
      "read --config secrets/config.json > messages.jsonl; " +
      "read --config c.json --records-only | jq .email; " +
      "read --config c.json --records-only --format csv --columns email,first_name,custom_fields.job_title > leads.csv"
  ))

  const root = Command.make(info.name, {}, () =>
    Effect.fail(new UsageError({ reason: "missing command: expected one of spec, check, discover, read" }))).pipe(
      Command.withDescription(
        "An Airbyte source: stdout carries only Airbyte protocol messages, one JSON per line. " +
          "Exit codes: 0 success (a FAILED check included), 1 failed (an ERROR trace says why), 2 usage error, " +
          "130/143 interrupted, 141 stdout closed. Run `<command> --help` for each command's flags."
      ),
      Command.withSubcommands([spec, check, discover, readCommand])
    )

  const cli = Command.run(root, { name: info.name, version: info.version })

  return (argv: ReadonlyArray<string>) => toExitCode(source, cli(argv) as Effect.Effect<void, EdgeError, CliApp.CliApp.Environment | Output>)
}
