/**
 * local-run, local-run-environment, local-run-credentials: whether and how
 * the image runs as Lambda would (src/emulator/) before anything changes
 * (docs/preflight.md#the-local-run).
 */
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type { Inputs, LocalRunEnvironment, LocalRunMode } from './types.js'

const LOCAL_RUN_MODES: readonly LocalRunMode[] = ['auto', 'required', 'off']
const ENVIRONMENTS: readonly LocalRunEnvironment[] = ['placeholders', 'real']

export type LocalRunInputs = Pick<
  Inputs,
  'localRun' | 'localRunEnvironment' | 'localRunCredentials'
>

export function readLocalRun(read: InputReader): Parsed<LocalRunInputs> {
  const input = fields(read)
  const { problems } = input
  const modeText = (input.optional('local-run') ?? 'auto').toLowerCase()
  let localRun: LocalRunMode = 'auto'
  if (isOneOf(LOCAL_RUN_MODES, modeText)) localRun = modeText
  else
    problems.push(
      `local-run "${modeText}" must be auto (run the image locally where Docker can; only failures no configuration could fix stop the deploy), required (every finding stops it, and a run that cannot happen fails) or off.`
    )
  const environmentText = (
    input.optional('local-run-environment') ?? 'placeholders'
  ).toLowerCase()
  let localRunEnvironment: LocalRunEnvironment = 'placeholders'
  if (isOneOf(ENVIRONMENTS, environmentText))
    localRunEnvironment = environmentText
  else
    problems.push(
      `local-run-environment "${environmentText}" must be placeholders (the function's variable names with placeholder values) or real (their values, read with lambda:GetFunction).`
    )
  const localRunCredentials = input.boolean('local-run-credentials', false)
  return input.parsed({ localRun, localRunEnvironment, localRunCredentials })
}
