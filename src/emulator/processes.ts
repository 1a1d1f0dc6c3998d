/**
 * The docker CLI as the emulator uses it: argv arrays to `docker`, never a shell. Injected, so
 * the stand-in and the action can pass their own (e.g. one that records calls).
 */
import { spawn } from 'node:child_process'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** The last 4 KiB of stdout and stderr together (docker exec reports OCI errors on stdout). */
  tail: string
}

export interface LongProcess {
  /** Resolves when the process ends (`tail`: its last output, for launch errors). */
  exited: Promise<CliResult>
}

export interface DockerCli {
  /** Runs `docker <args>` to completion. `env`: extra variables for the client. */
  run(args: readonly string[], env?: Record<string, string>): Promise<CliResult>
  /** Starts `docker <args>`, each output line to `onLine`. */
  start(
    args: readonly string[],
    env: Record<string, string>,
    onLine: (line: string) => void
  ): LongProcess
}

function lines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = ''
  return chunk => {
    rest += chunk.toString('utf8')
    const parts = rest.split('\n')
    rest = parts.pop() ?? ''
    for (const p of parts) onLine(p.replace(/\r$/, ''))
  }
}

/** The docker CLI on PATH (node:child_process, shell: false). */
export function dockerCli(command = 'docker'): DockerCli {
  const spawnDocker = (
    args: readonly string[],
    env: Record<string, string> | undefined,
    onLine: ((line: string) => void) | undefined
  ): Promise<CliResult> =>
    new Promise(resolve => {
      const child = spawn(command, [...args], {
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...(env ?? {}) }
      })
      let stdout = ''
      let stderr = ''
      let tail = ''
      const keep = (c: Buffer): void => {
        tail = (tail + c.toString('utf8')).slice(-4096)
      }
      const out = onLine ? lines(onLine) : undefined
      const err = onLine ? lines(onLine) : undefined
      child.stdout.on('data', (c: Buffer) => {
        keep(c)
        if (out) out(c)
        else stdout += c.toString('utf8')
      })
      child.stderr.on('data', (c: Buffer) => {
        keep(c)
        stderr += c.toString('utf8')
        if (err) err(c)
      })
      child.on('error', e =>
        resolve({ code: null, stdout, stderr: e.message, tail: e.message })
      )
      child.on('close', code => resolve({ code, stdout, stderr, tail }))
    })
  return {
    run: (args, env) => spawnDocker(args, env, undefined),
    start: (args, env, onLine) => ({ exited: spawnDocker(args, env, onLine) })
  }
}
