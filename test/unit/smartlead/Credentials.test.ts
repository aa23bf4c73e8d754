/** The credential rule: every key naming a password, secret or token goes, in any case and at any depth; nothing else does. */
import { describe, expect, it } from "vitest"
import { dropCredentials, isCredentialKey } from "../../../src/smartlead/Credentials.js"

describe("isCredentialKey", () => {
  it("matches password, secret and token anywhere in the name, in any case", () => {
    for (const key of ["password", "imap_password", "smtp_password", "PASSWORD", "oauthPassword", "client_secret", "ClientSecret", "secret", "token", "access_token", "refresh_TOKEN", "x-auth-token", "tokens"]) {
      expect(isCredentialKey(key), key).toBe(true)
    }
    for (const key of ["id", "from_email", "username", "imap_username", "warmup_key_id", "pass", "description", "tok", "warmup_details"]) {
      expect(isCredentialKey(key), key).toBe(false)
    }
  })
})

describe("dropCredentials", () => {
  it("removes credential keys at every depth, in objects and arrays, and keeps everything else", () => {
    const body = [
      {
        id: 1,
        password: "p1",
        imap_password: "p2",
        smtp_password: "p3",
        username: "u@example.com",
        oauth: { access_token: "t1", Refresh_Token: "t2", expires_in: 3599 },
        custom_headers: [{ name: "X-Auth", header_TOKEN: "t3" }, [{ api_secret: "s1", keep: true }]],
        warmup_details: { status: "ACTIVE", provider: { ClientSecret: "s2", name: "pool" } },
        tokens: { anything: "inside goes too" }
      },
      "a string",
      null
    ]
    expect(dropCredentials(body)).toBe(body)
    expect(body).toEqual([
      {
        id: 1,
        username: "u@example.com",
        oauth: { expires_in: 3599 },
        custom_headers: [{ name: "X-Auth" }, [{ keep: true }]],
        warmup_details: { status: "ACTIVE", provider: { name: "pool" } }
      },
      "a string",
      null
    ])
  })

  it("leaves scalars alone", () => {
    expect(dropCredentials("password")).toBe("password")
    expect(dropCredentials(42)).toBe(42)
    expect(dropCredentials(null)).toBe(null)
  })
})
