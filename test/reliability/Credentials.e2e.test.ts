/**
 * Mailbox credentials that SmartLead returns with email accounts (password, imap_password,
 * smtp_password, and tokens and secrets nested in objects and arrays) never leave the connector,
 * in any output mode: the Airbyte protocol, `read --records-only`, CSV (default columns, and
 * columns naming the credential fields), the Singer tap, all at LOG_LEVEL=DEBUG (which shell
 * modes do not print, and the protocol and Singer modes do), and an ERROR
 * trace from a broken email-accounts page that carries credentials. Every credential value is
 * added to `SECRETS`, which `runConnector` and `runScript` look for on stdout and stderr; each
 * test also checks the output it reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  errorsOf,
  MAIN,
  ofType,
  recordsOf,
  runConnector,
  runScript,
  SECRETS,
  statusesOf,
  TAP
} from "../helpers/Connector.js"
import { assertNoBareStackTrace, setup } from "../helpers/Reads.js"
import type { Simulator } from "../simulator/Simulator.js"

const STREAM = "email_accounts"
const ACCOUNTS = 130

// Every run of this file logs at DEBUG (in this process, or in a child process, which inherits the
// environment); the setting ends with the file.
const logLevelBefore = process.env["LOG_LEVEL"]
beforeAll(() => {
  process.env["LOG_LEVEL"] = "DEBUG"
})
afterAll(() => {
  if (logLevelBefore === undefined) delete process.env["LOG_LEVEL"]
  else process.env["LOG_LEVEL"] = logLevelBefore
})

const { configFor, files, start } = setup()

/** Starts a simulator and registers its credential values as secrets no output may hold. */
const startWithCredentials = async (): Promise<{ sim: Simulator; credentials: ReadonlyArray<string> }> => {
  const sim = await start({ campaigns: 1, leadsPerCampaign: 2, engagement: { emailAccounts: ACCOUNTS } })
  const credentials = sim.engagement.credentialValues()
  for (const value of credentials) SECRETS.add(value)
  return { sim, credentials }
}

/** Asserts no credential value, nor a credential-named key, appears in a text. */
const expectClean = (text: string, credentials: ReadonlyArray<string>) => {
  expect(credentials.filter((value) => text.includes(value))).toEqual([])
  expect(text).not.toMatch(/SIM-[A-Z-]*(PASSWORD|TOKEN|SECRET)/)
  expect(text).not.toMatch(/"[^"]*(password|secret|token)[^"]*":/i)
}

const catalog = () =>
  files.write({
    streams: [{
      stream: { name: STREAM, json_schema: {}, supported_sync_modes: ["full_refresh"] },
      sync_mode: "full_refresh",
      destination_sync_mode: "overwrite"
    }]
  })

describe("email account credentials never leave the connector", () => {
  beforeAll(() => {
    expect(process.env["LOG_LEVEL"]).toBe("DEBUG")
  })

  it("the simulator does send them (so the checks below can fail)", async () => {
    const { credentials, sim } = await startWithCredentials()
    const response = await fetch(`${sim.url}/email-accounts/?api_key=${sim.apiKey}&offset=0&limit=100`)
    const text = await response.text()
    expect(credentials.filter((value) => text.includes(value)).length).toBeGreaterThan(5 * 100)
    expect(text).toContain("\"smtp_password\"")
    expect(text).toContain("\"access_token\"")
    expect(text).toContain("\"ClientSecret\"")
  })

  it("Airbyte protocol at DEBUG: records, logs, states", async () => {
    const { credentials, sim } = await startWithCredentials()
    const result = await runConnector(["read", "--config", configFor(sim), "--catalog", catalog()])
    expect(result.code).toBe(0)
    expect(recordsOf(result.messages, STREAM)).toHaveLength(ACCOUNTS)
    expect(
      ofType(result.messages, "LOG").some((m) =>
        m["log"].level === "DEBUG" && m["log"].message.startsWith("email_accounts: 100 accounts at offset 0")
      )
    ).toBe(true)
    expectClean(result.stdout + result.stderr, credentials)
  })

  it("read --records-only, as JSON Lines", async () => {
    const { credentials, sim } = await startWithCredentials()
    const { code, stderr, stdout } = await runScript(MAIN, [
      "read",
      "--config",
      configFor(sim),
      "--records-only",
      "--stream",
      STREAM
    ])
    expect(code).toBe(0)
    expect(stdout.trim().split("\n")).toHaveLength(ACCOUNTS)
    expectClean(stdout + stderr, credentials)
  })

  it("CSV, with the default columns and with columns naming the credential fields", async () => {
    const { credentials, sim } = await startWithCredentials()
    const plain = await runScript(MAIN, [
      "read",
      "--config",
      configFor(sim),
      "--records-only",
      "--format",
      "csv",
      "--stream",
      STREAM
    ])
    expect(plain.code).toBe(0)
    expect(plain.stdout.split("\r\n")[0]).toBe(
      "id,from_email,from_name,type,message_per_day,daily_sent_count,is_smtp_success,is_imap_success,warmup_details.status,warmup_details.warmup_reputation"
    )
    expect(plain.stdout.trim().split("\r\n")).toHaveLength(ACCOUNTS + 1)
    expectClean(plain.stdout + plain.stderr, credentials)
    const columns =
      "id,password,imap_password,smtp_password,oauth,oauth.access_token,custom_headers,warmup_details.provider"
    const named = await runScript(MAIN, [
      "read",
      "--config",
      configFor(sim),
      "--records-only",
      "--format",
      "csv",
      "--stream",
      STREAM,
      "--columns",
      columns
    ])
    expect(named.code).toBe(0)
    const lines = named.stdout.trim().split("\r\n")
    expect(lines[0]).toBe(columns)
    expect(lines).toHaveLength(ACCOUNTS + 1)
    expect(lines[1]).toMatch(/^\d+,,,,/)
    expect(credentials.filter((value) => named.stdout.includes(value) || named.stderr.includes(value))).toEqual([])
    expect(named.stdout).not.toMatch(/SIM-[A-Z-]*(PASSWORD|TOKEN|SECRET)/)
  })

  it("the Singer tap: discover, then a sync of email_accounts", async () => {
    const { credentials, sim } = await startWithCredentials()
    const config = configFor(sim)
    const discovered = await runScript(TAP, ["--config", config, "--discover"])
    expect(discovered.code).toBe(0)
    const singerCatalog = JSON.parse(discovered.stdout)
    for (const stream of singerCatalog.streams) {
      stream.metadata.find((m: { breadcrumb: Array<string> }) => m.breadcrumb.length === 0).metadata.selected =
        stream.tap_stream_id === STREAM
    }
    const properties = Object.keys(
      singerCatalog.streams.find((s: { tap_stream_id: string }) => s.tap_stream_id === STREAM).schema.properties
    )
    expect(properties.filter((p) => /password|secret|token/i.test(p))).toEqual([])
    const sync = await runScript(TAP, ["--config", config, "--catalog", files.write(singerCatalog)])
    expect(sync.code).toBe(0)
    const messages = sync.stdout.trim().split("\n").map((line) => JSON.parse(line))
    expect(messages.filter((m) => m.type === "RECORD")).toHaveLength(ACCOUNTS)
    expect(sync.stderr).toMatch(/DEBUG email_accounts: 100 accounts at offset 0/)
    expectClean(sync.stdout + sync.stderr, credentials)
  })

  it("an ERROR trace from a broken page that carries credentials, after a good page", async () => {
    const { credentials, sim } = await startWithCredentials()
    const account = sim.engagement.emailAccounts()[100]!
    const broken = JSON.stringify([{
      id: account.id,
      password: account.credentials.password,
      imap_password: account.credentials.imapPassword,
      oauth: { access_token: account.credentials.accessToken },
      message_per_day: account.credentials.password
    }])
    sim.injectFault({
      match: { path: "/email-accounts/", offset: 100 },
      times: Infinity,
      kind: { type: "status", status: 200, body: broken }
    })
    const envelope = JSON.stringify({
      error: "x",
      smtp_password: account.credentials.smtpPassword ?? "SIM-SMTP-PASSWORD-none",
      data: { token: account.credentials.headerToken }
    })
    sim.injectFault({
      match: { path: "/email-accounts/", offset: 0 },
      times: 1,
      kind: { type: "status", status: 200, body: envelope }
    })
    const result = await runConnector(["read", "--config", configFor(sim, { max_retries: 2 }), "--catalog", catalog()])
    expect(result.code).toBe(1)
    expect(recordsOf(result.messages, STREAM)).toHaveLength(100)
    expect(statusesOf(result.messages, STREAM).at(-1)).toBe("INCOMPLETE")
    const retried = ofType(result.messages, "LOG").filter((m) =>
      m["log"].level === "WARN" && m["log"].message.startsWith("Retrying")
    )
    expect(retried[0]!["log"].message).toContain(
      "expected a JSON array of email accounts, got an object with keys error, data"
    )
    expect(errorsOf(result.messages)).toEqual([{
      failure_type: "transient_error",
      stream_descriptor: { name: STREAM },
      message:
        "SmartLead sent an unusable response (email account 0: message_per_day must be a whole number, got a string) on GET /email-accounts/?offset=100&limit=100"
    }])
    assertNoBareStackTrace(result)
    expectClean(result.stdout + result.stderr, credentials)
  })
})
