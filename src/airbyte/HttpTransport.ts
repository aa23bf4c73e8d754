/**
 * The HTTP seam of the runner: one GET, answered with its status, headers and whole body as text,
 * as a `Context.Tag` (`HttpTransport`) with its Node layer beside it. On Node it is `node:http` /
 * `node:https` with one keep-alive `Agent` per scheme, each response's body read and decoded in
 * the callback that sees its end, so no page body outlives its request (bench/HOT-PATH.md §5).
 * Node's own client (its HTTP parser is built in) replaced undici, whose JavaScript and
 * WebAssembly parser cost about 15 MB of resident memory and a tenth of the CPU time of a
 * 200,000-lead read; and this one-step seam replaced `@effect/platform`'s `HttpClient`, whose
 * request and response models, tracing checks and scopes were about a hundred fiber steps per
 * request, a fifth of a page's (issue 23, bench/HOT-PATH.md §7). A request is aborted when the
 * caller's `AbortSignal` fires (a request watchdog) or when its fiber is interrupted; timeouts
 * are the caller's. Tests provide their own `HttpTransport`.
 */
import { Context, Data, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"

/** The request did not get a whole answer: it could not be sent, was aborted, or its body broke off. */
export class HttpRequestFailed extends Data.TaggedError("HttpRequestFailed")<{
  /** `Transport`: no answer (refused, reset, aborted); `Body`: headers came, the body broke off. */
  readonly reason: "Transport" | "Body"
  readonly cause: unknown
}> {}

/** An answer with its body read: any status. Header names are lower case. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface HttpTransportShape {
  /** One GET of `url` (with its query), aborted when `signal` fires or the fiber is interrupted. */
  readonly get: (
    url: string,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal
  ) => Effect.Effect<HttpResponse, HttpRequestFailed>
}

/** How the runner's sources send requests. */
export class HttpTransport extends Context.Tag("airbyte/HttpTransport")<HttpTransport, HttpTransportShape>() {}

/** The keep-alive agents a transport sends through: one per scheme. */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Http.Agent
}

const decoder = new TextDecoder()

/** Node's header values as one string each (repeated headers joined as `fetch` does). */
const headersOf = (raw: Http.IncomingHttpHeaders): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const name in raw) {
    const value = raw[name]
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  return headers
}

/** A transport on `agents`. */
export const make = (agents: Agents): HttpTransportShape => ({
  get: (url, headers, signal) =>
    Effect.async<HttpResponse, HttpRequestFailed>((resume) => {
      let done = false
      const finish = (result: Effect.Effect<HttpResponse, HttpRequestFailed>) => {
        if (done) return
        done = true
        signal.removeEventListener("abort", abort)
        resume(result)
      }
      const https = url.startsWith("https:")
      let outgoing: Http.ClientRequest
      try {
        outgoing = (https ? Https.get : Http.get)(url, { headers, agent: https ? agents.https : agents.http })
      } catch (cause) {
        // An unusable URL or header value, thrown before anything is sent.
        return finish(Effect.fail(new HttpRequestFailed({ reason: "Transport", cause })))
      }
      function abort(this: AbortSignal) {
        outgoing.destroy(this.reason instanceof Error ? this.reason : new Error("request aborted"))
      }
      // `on`, not `once`: an abort while the body streams can raise a second error, and an
      // 'error' event nobody listens to ends the process.
      outgoing.on("error", (cause) => finish(Effect.fail(new HttpRequestFailed({ reason: "Transport", cause }))))
      if (signal.aborted) return void outgoing.destroy(new Error("request aborted"))
      signal.addEventListener("abort", abort, { once: true })
      outgoing.once("response", (incoming) => {
        const chunks: Array<Buffer> = []
        let length = 0
        const broken = (cause: unknown) => finish(Effect.fail(new HttpRequestFailed({ reason: "Body", cause })))
        incoming.on("data", (chunk: Buffer) => {
          chunks.push(chunk)
          length += chunk.length
        })
        incoming.once("end", () => {
          // One chunk is decoded as it is; more are joined once. Nothing outlives this callback.
          const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
          finish(Effect.succeed({
            status: incoming.statusCode ?? 0,
            headers: headersOf(incoming.headers),
            body: decoder.decode(bytes)
          }))
        })
        incoming.on("error", broken)
        incoming.once("aborted", () => broken(new Error("response aborted")))
      })
      // An interrupted fiber aborts its request (a canceler costs less than the signal
      // `Effect.async` would make for every request).
      return Effect.sync(() => void outgoing.destroy(new Error("request interrupted")))
    })
})

/**
 * Idle sockets are kept 4 s (undici's default), or as long as the server's `Keep-Alive: timeout`
 * hint allows; Node's agent applies the timeout to free sockets only.
 */
const AGENT_OPTIONS: Http.AgentOptions = { keepAlive: true, timeout: 4_000 }

/** The Node transport on keep-alive agents that live as long as the layer. */
export const layer: Layer.Layer<HttpTransport> = Layer.scoped(
  HttpTransport,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync((): Agents => ({
        http: new Http.Agent(AGENT_OPTIONS),
        https: new Https.Agent(AGENT_OPTIONS)
      })),
      (agents) =>
        Effect.sync(() => {
          agents.http.destroy()
          agents.https.destroy()
        })
    ),
    make
  )
)
