/**
 * A stand-in for @actions/core that behaves like the real one where tests
 * can observe it (inputs, outputs, state, groups, the job summary) and writes
 * nothing to stdout or to the runner's files.
 *
 * How to install it (ESM + ts-jest, verified in this repository):
 *
 *   import { jest } from '@jest/globals'
 *   import * as core from './core.js'
 *   jest.unstable_mockModule('@actions/core', () => core)
 *   const { run } = await import('../src/main.js')
 *
 * - `jest.unstable_mockModule` must run before the code under test is
 *   imported, and that import must be a dynamic `await import(...)`: static
 *   imports are hoisted above the mock and get the real @actions/core.
 * - The same goes for every src module that imports @actions/core itself
 *   (main, post, inputs): import them dynamically too, after the mock. A
 *   static `import ... from '../src/inputs/read.js'` in the test file loads the
 *   real core into the shared module registry first, and main.js then reuses
 *   that copy. Modules that do not touch core (errors, state, docker, ecr,
 *   lambda, ...) can be imported statically.
 * - The mock is keyed by the specifier '@actions/core' exactly as the source
 *   writes it; jest.config.js's moduleNameMapper only rewrites relative
 *   `./x.js` specifiers, so it does not get in the way.
 * - `jest` must come from '@jest/globals' (there is no global `jest` object
 *   in ESM test files).
 *
 * Call `resetCore()` in a `beforeEach`: it clears calls, inputs, state,
 * outputs and the summary, and puts back the default behaviour (a test may
 * replace one, e.g. `core.summary.write.mockRejectedValueOnce(...)`).
 */
import type * as actionsCore from '@actions/core'
import { jest } from '@jest/globals'

const inputs = new Map<string, string>()
const state = new Map<string, string>()
const openGroupNames: string[] = []
let summaryBuffer = ''
const written: string[] = []

type Message = (message: string | Error) => void

export const getInput = jest.fn<typeof actionsCore.getInput>()
export const setOutput = jest.fn<typeof actionsCore.setOutput>()
export const setFailed = jest.fn<typeof actionsCore.setFailed>()
export const setSecret = jest.fn<typeof actionsCore.setSecret>()
export const saveState = jest.fn<typeof actionsCore.saveState>()
export const getState = jest.fn<typeof actionsCore.getState>()
export const debug = jest.fn<typeof actionsCore.debug>()
export const info = jest.fn<typeof actionsCore.info>()
export const warning = jest.fn<Message>()
export const error = jest.fn<Message>()
export const notice = jest.fn<Message>()
export const group = jest.fn<typeof actionsCore.group>()

/** The part of core.summary the action uses: a buffer and write(). */
export interface FakeSummary {
  addRaw: jest.Mock<(text: string, addEOL?: boolean) => FakeSummary>
  write: jest.Mock<() => Promise<FakeSummary>>
  emptyBuffer: jest.Mock<() => FakeSummary>
  stringify: jest.Mock<() => string>
}

export const summary: FakeSummary = {
  addRaw: jest.fn<(text: string, addEOL?: boolean) => FakeSummary>(),
  write: jest.fn<() => Promise<FakeSummary>>(),
  emptyBuffer: jest.fn<() => FakeSummary>(),
  stringify: jest.fn<() => string>()
}

const text = (message: string | Error): string =>
  message instanceof Error ? message.message : message

function installDefaults(): void {
  // Like the real getInput: missing is '', values are trimmed, and
  // `required` throws the same message.
  getInput.mockImplementation((name, options) => {
    const value = inputs.get(name) ?? ''
    if (options?.required === true && value === '') {
      throw new Error(`Input required and not supplied: ${name}`)
    }
    return options?.trimWhitespace === false ? value : value.trim()
  })
  saveState.mockImplementation((name, value: unknown) => {
    state.set(name, typeof value === 'string' ? value : JSON.stringify(value))
  })
  getState.mockImplementation(name => state.get(name) ?? '')
  group.mockImplementation(async (name, fn) => {
    openGroupNames.push(name)
    try {
      return await fn()
    } finally {
      openGroupNames.pop()
    }
  })
  summary.addRaw.mockImplementation((raw, addEOL) => {
    summaryBuffer += addEOL === true ? `${raw}\n` : raw
    return summary
  })
  summary.write.mockImplementation(() => {
    written.push(summaryBuffer)
    summaryBuffer = ''
    return Promise.resolve(summary)
  })
  summary.emptyBuffer.mockImplementation(() => {
    summaryBuffer = ''
    return summary
  })
  summary.stringify.mockImplementation(() => summaryBuffer)
}

const allMocks = [
  getInput,
  setOutput,
  setFailed,
  setSecret,
  saveState,
  getState,
  debug,
  info,
  warning,
  error,
  notice,
  group,
  summary.addRaw,
  summary.write,
  summary.emptyBuffer,
  summary.stringify
]

/** Back to a fresh runner: no calls, inputs, state, groups or summary. */
export function resetCore(): void {
  for (const mock of allMocks) mock.mockReset()
  inputs.clear()
  state.clear()
  openGroupNames.length = 0
  summaryBuffer = ''
  written.length = 0
  installDefaults()
}
installDefaults()

/** What the workflow passes as `with:` (names as in action.yml). */
export function setInputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) inputs.set(name, value)
}

/** State a main step saved, as the post step would see it. */
export function setState(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) state.set(name, value)
}

/** Every output set, the last value winning as on the runner. */
export function outputs(): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of setOutput.mock.calls) {
    result[name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return result
}

/** The state saved for the post step. */
export function savedState(): Record<string, string> {
  return Object.fromEntries(state)
}

/** Names of the core.group blocks running right now, outermost first. */
export function openGroups(): string[] {
  return [...openGroupNames]
}

/** Names of every group started, in order. */
export function groupNames(): string[] {
  return group.mock.calls.map(([name]) => name)
}

/** Each summary written to the job summary file, in order. */
export function writtenSummaries(): string[] {
  return [...written]
}

export const warnings = (): string[] =>
  warning.mock.calls.map(([message]) => text(message))
export const errors = (): string[] =>
  error.mock.calls.map(([message]) => text(message))
export const infos = (): string[] => info.mock.calls.map(([message]) => message)
export const failures = (): string[] =>
  setFailed.mock.calls.map(([message]) => text(message))
