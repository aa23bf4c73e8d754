/**
 * The edge every command line of a source shares (the Airbyte CLI, the Singer tap, the shell
 * options): loading `--config` (secrets registered, unknown keys warned about), the source's
 * services for a config, and the one place where failures become output and an exit code. A
 * failure is written as an ERROR trace with its `failure_type`, rendered by the current `Format`
 * (a protocol line, or text on stderr), and the exit code is 0 success, 1 a failed command, 2 a
 * usage error. Defects are reported the same way, never thrown.
 */
import type { CliApp } from "@effect/cli"
import { Command, HelpDoc, ValidationError } from "@effect/cli"
import { Cause, Data, Effect, Layer } from "effect"
import type { ConfigInvalid } from "./Inputs.js"
import { decodeConfig, InputError, readJsonFile } from "./Inputs.js"
import { Output } from "./Output.js"
import type { AirbyteMessage, ErrorTrace, FailureType } from "./Protocol.js"
import { errorTraceMessage } from "./Protocol.js"
import type { CatalogMismatch, StateInvalid, StreamsFailed } from "./Read.js"
import { Redaction } from "./Redaction.js"
import type { AnySource } from "./Source.js"
import { withSourceLocations } from "./StackTraces.js"

/** Exit codes of the command lines. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const

/** The command line itself is wrong (exit 2). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/** Every failure the edge turns into output and an exit code. */
export type EdgeError =
  | InputError
  | ConfigInvalid
  | CatalogMismatch
  | StreamsFailed<unknown>
  | ValidationError.ValidationError
  | UsageError

/** Writes one message through the current `Output`. */
export const emit = (message: AirbyteMessage): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (output) => output.write(message))

/** Writes an ERROR trace, its message and internal message scrubbed of the run's secrets. */
export const emitTrace = (
  failureType: FailureType,
  message: string,
  extra: Partial<ErrorTrace> = {}
): Effect.Effect<void, never, Output | Redaction> =>
  Effect.flatMap(Redaction, ({ scrub }) =>
    emit(errorTraceMessage({
      failure_type: failureType,
      ...extra,
      message: scrub(message),
      ...(extra.internal_message === undefined ? {} : { internal_message: scrub(extra.internal_message) })
    })))

const specProperties = (source: AnySource<unknown>) =>
  (source.spec.connectionSpecification["properties"] ?? {}) as Record<string, unknown>

/** Reads and decodes a `--config` file; registers its secrets and warns about unknown keys. */
export const loadConfig = (source: AnySource<unknown>, path: string) =>
  Effect.flatMap(readJsonFile("config", path), (json) => decodeLoadedConfig(source, json))

/** Decodes a config already read (a file, or settings merged from several sources); registers its secrets and warns about unknown keys. */
export const decodeLoadedConfig = (source: AnySource<unknown>, json: unknown) =>
  Effect.gen(function*() {
    const properties = specProperties(source)
    yield* Effect.flatMap(Redaction, (redaction) => redaction.registerConfigSecrets(properties, json))
    const { config, unknownKeys } = yield* decodeConfig(source.configSchema, source.spec.connectionSpecification, json)
    if (unknownKeys.length > 0) {
      yield* Effect.logWarning(`Ignoring unknown config keys: ${unknownKeys.join(", ")}`)
    }
    return config as unknown
  })

/** A state the runner found invalid, as an error naming the state file. */
export const stateFileError = (path: string | undefined) => (error: StateInvalid): InputError =>
  new InputError({ flag: "state", path: path ?? "", reason: error.message })

/** A source's services for a config, with what its layer needs from the platform. */
export const layerFor = <Env>(source: AnySource<Env>, env: Layer.Layer<Env>, config: unknown) =>
  Layer.provide(source.layer(config), env)

/** The output and exit code of a failure: ERROR traces (rendered by the current format) and 1, or 2 for usage errors. */
export const reportFailure = (
  source: AnySource<unknown>,
  error: EdgeError
): Effect.Effect<number, never, Output | Redaction> => {
  if (error instanceof UsageError) {
    return Effect.as(emitTrace("config_error", `Usage error: ${error.message}`), ExitCode.usage)
  }
  if (ValidationError.isValidationError(error)) {
    const text = "error" in error ? HelpDoc.toAnsiText(error.error).trim() : (error as { _tag: string })._tag
    return Effect.as(emitTrace("config_error", `Usage error: ${text}`), ExitCode.usage)
  }
  switch (error._tag) {
    case "InputError":
    case "ConfigInvalid":
    case "CatalogMismatch":
      return Effect.as(emitTrace("config_error", error.message), ExitCode.failed)
    case "StreamsFailed":
      return Effect.as(
        Effect.forEach(error.failures, ({ error: streamError, stream }) => {
          const report = source.describeError(streamError)
          return emitTrace(report.failureType, report.message, {
            stream_descriptor: { name: stream },
            ...(report.internalMessage === undefined ? {} : { internal_message: report.internalMessage })
          })
        }),
        ExitCode.failed
      )
  }
}

/** Runs a command to its exit code: failures and defects are reported, never thrown. */
export const toExitCode = <R>(
  source: AnySource<unknown>,
  command: Effect.Effect<void, EdgeError, R>
): Effect.Effect<number, never, R | Output | Redaction> =>
  command.pipe(
    Effect.as(ExitCode.ok as number),
    Effect.catchAll((error) => reportFailure(source, error)),
    Effect.catchAllDefect((defect) =>
      Effect.as(
        emitTrace("system_error", `Unexpected error: ${defect instanceof Error ? defect.message : String(defect)}`, {
          internal_message: withSourceLocations(Cause.pretty(Cause.die(defect)))
        }),
        ExitCode.failed
      )
    )
  )

/** An `@effect/cli` command as a program: given argv, it runs and computes its exit code. */
export const runCommand = <Name extends string, R, E extends EdgeError, A>(
  source: AnySource<unknown>,
  command: Command.Command<Name, R, E, A>,
  info: { readonly name: string; readonly version: string }
) => {
  const cli = Command.run(command, { name: info.name, version: info.version })
  return (
    argv: ReadonlyArray<string>
  ): Effect.Effect<number, never, R | CliApp.CliApp.Environment | Output | Redaction> => toExitCode(source, cli(argv))
}
