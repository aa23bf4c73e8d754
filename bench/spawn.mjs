// Runs a command with its stdout to a file and its stderr collected, asynchronously: the bench
// scenarios serve the API from their own process, and spawnSync would block its event loop.
import { spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"

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
