// Runs a command with its stdout to a file and its stderr collected, asynchronously: the bench
// scenarios serve the API from their own process, and spawnSync would block its event loop.
import { spawn } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"

/** Runs `command` (argv) with stdout to `out`; resolves to its exit status and stderr. */
export const runToFile = (command, out) =>
  new Promise((resolve, reject) => {
    const fd = openSync(out, "w")
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", fd, "pipe"] })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk))
    child.on("error", (error) => {
      closeSync(fd)
      reject(error)
    })
    child.on("close", (status) => {
      closeSync(fd)
      resolve({ status, stderr })
    })
  })

/**
 * The node flags the connector runs with, from its launcher's first line
 * (`#!/usr/bin/env -S node <flags>`, the Dockerfile's ENTRYPOINT repeats them): the bench runs
 * `node <flags> dist/main.js` as the image does.
 */
export const nodeFlagsOf = (launcher) =>
  process.env.BENCH_NODE_FLAGS !== undefined
    ? process.env.BENCH_NODE_FLAGS.split(" ").filter(Boolean) // to try other flags: BENCH_NODE_FLAGS="…"
    : readFileSync(launcher, "utf8").split("\n", 1)[0].replace(/^#!\/usr\/bin\/env( -S)? node ?/, "").split(" ")
      .filter(Boolean)
