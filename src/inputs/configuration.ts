/**
 * The configuration inputs shipped with the code (named as
 * aws-actions/aws-lambda-deploy names them: environment, memory-size,
 * timeout, ephemeral-storage, image-config, function-description, role),
 * environment-mode, and function-url. Every bad value is refused here,
 * before anything in AWS changes, naming the input and the accepted form.
 *
 * Lambda's rules, from AWS's documentation:
 * - memory 128-10,240 MB, timeout 1-900 s, /tmp 512-10,240 MB ("Lambda
 *   quotas", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
 * - environment: 4 KB for all variables together; Lambda measures the JSON
 *   text of the variable map (its error says "exceeded the 4KB limit.
 *   String measured: {...}"), so that is what is counted here, in UTF-8
 *   bytes;
 * - variable names: a letter, then at least one letter, digit or _ (API
 *   reference, Environment: Key Pattern [a-zA-Z]([a-zA-Z0-9_])+), and not
 *   one of the reserved names Lambda sets itself ("Defined runtime
 *   environment variables",
 *   https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html).
 */
import { fields, isOneOf, type InputReader, type Parsed } from './readers.js'
import type {
  EnvironmentMode,
  FunctionConfigInputs,
  FunctionUrlInput,
  ImageConfigInput,
  Mode
} from './types.js'

const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/

/** Names Lambda sets in every execution environment: refused as variables. */
export const RESERVED_VARIABLES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ'
]

/** Lambda's limit on all variables together, as it measures them. */
export const ENVIRONMENT_MAX_BYTES = 4096

/** The size Lambda counts for a variable map: the UTF-8 bytes of its JSON. */
export function environmentBytes(variables: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(variables), 'utf8')
}

/** What is wrong with a variable map (names and size; values never shown). */
export function environmentProblems(
  variables: Record<string, string>,
  input = 'environment'
): string[] {
  const problems: string[] = []
  for (const name of Object.keys(variables)) {
    if (!VARIABLE_NAME.test(name))
      problems.push(
        `${input}: "${name}" is not a name Lambda allows: a letter, then at least one letter, digit or _.`
      )
    else if (RESERVED_VARIABLES.includes(name))
      problems.push(
        `${input}: ${name} is reserved: Lambda sets it itself (${RESERVED_VARIABLES.join(', ')} are reserved).`
      )
  }
  const bytes = environmentBytes(variables)
  if (bytes > ENVIRONMENT_MAX_BYTES)
    problems.push(
      `${input}: the variables take ${bytes} bytes as Lambda counts them (the JSON of names and values), more than its limit of ${ENVIRONMENT_MAX_BYTES} (4 KB); keep large values in AWS Secrets Manager or Parameter Store.`
    )
  return problems
}

const RANGES = {
  'memory-size': { min: 128, max: 10_240, unit: 'MB' },
  timeout: { min: 1, max: 900, unit: 'seconds' },
  'ephemeral-storage': { min: 512, max: 10_240, unit: 'MB' }
} as const

type Ranged = keyof typeof RANGES

function readRanged(
  input: ReturnType<typeof fields>,
  name: Ranged
): number | undefined {
  const text = input.optional(name)
  if (text === undefined) return undefined
  const range = RANGES[name]
  const value = /^\d{1,6}$/.test(text) ? Number(text) : NaN
  if (!(value >= range.min && value <= range.max)) {
    input.problems.push(
      `${name} "${text}" must be a whole number of ${range.unit} from ${range.min} to ${range.max}.`
    )
    return undefined
  }
  return value
}

function readEnvironment(
  input: ReturnType<typeof fields>
): Record<string, string> | undefined {
  const text = input.optional('environment')
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every(v => typeof v === 'string')
  ) {
    // The text is not repeated: it may hold secrets.
    input.problems.push(
      'environment must be a JSON object of string values, such as {"ASPNETCORE_ENVIRONMENT":"Production","FEATURE_X":"on"}.'
    )
    return undefined
  }
  const variables = parsed as Record<string, string>
  input.problems.push(...environmentProblems(variables))
  return variables
}

const stringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(item => typeof item === 'string')

function readImageConfig(
  input: ReturnType<typeof fields>
): ImageConfigInput | undefined {
  const text = input.optional('image-config')
  if (text === undefined) return undefined
  const form =
    'image-config must be a JSON object with EntryPoint and Command (arrays of strings) and WorkingDirectory (a string), each optional, such as {"Command":["MyApi"]}.'
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    input.problems.push(form)
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    input.problems.push(form)
    return undefined
  }
  const record = parsed as Record<string, unknown>
  const unknownKeys = Object.keys(record).filter(
    key => !['EntryPoint', 'Command', 'WorkingDirectory'].includes(key)
  )
  const { EntryPoint, Command, WorkingDirectory } = record
  if (
    unknownKeys.length > 0 ||
    (EntryPoint !== undefined && !stringList(EntryPoint)) ||
    (Command !== undefined && !stringList(Command)) ||
    (WorkingDirectory !== undefined && typeof WorkingDirectory !== 'string')
  ) {
    input.problems.push(
      unknownKeys.length > 0
        ? `${form} ${unknownKeys.join(', ')} is not one of them.`
        : form
    )
    return undefined
  }
  return {
    ...(EntryPoint !== undefined &&
      EntryPoint.length > 0 && { entryPoint: EntryPoint }),
    ...(Command !== undefined && Command.length > 0 && { command: Command }),
    ...(typeof WorkingDirectory === 'string' &&
      WorkingDirectory !== '' && { workingDirectory: WorkingDirectory })
  }
}

export interface ConfigurationInputs {
  functionConfig: FunctionConfigInputs
  role: string | undefined
  functionUrl: FunctionUrlInput
}

/** The configuration inputs, role and function-url, validated. */
export function readConfiguration(
  read: InputReader,
  mode: Mode
): Parsed<ConfigurationInputs> {
  const input = fields(read)
  const { problems } = input
  const environment = readEnvironment(input)
  if (environment !== undefined && mode === 'preview')
    problems.push(
      "environment is refused in mode: preview: a preview gets none of production's configuration; give its variables with preview-env."
    )
  const modeText = input.optional('environment-mode') ?? 'merge'
  const environmentMode: EnvironmentMode = isOneOf(
    ['merge', 'replace'] as const,
    modeText
  )
    ? modeText
    : 'merge'
  if (modeText !== environmentMode)
    problems.push(
      `environment-mode "${modeText}" must be merge (keep the variables environment does not name) or replace.`
    )
  const description = input.optional('function-description')
  if (description !== undefined && description.length > 256)
    problems.push(
      `function-description is ${description.length} characters long; Lambda allows 256.`
    )
  const role = input.optional('role')
  if (role !== undefined && !ROLE_ARN.test(role))
    problems.push(
      `role "${role}" is not an IAM role ARN (arn:aws:iam::123456789012:role/my-api-execution).`
    )
  const urlText = input.optional('function-url') ?? 'none'
  const functionUrl: FunctionUrlInput = isOneOf(
    ['none', 'public', 'iam'] as const,
    urlText
  )
    ? urlText
    : 'none'
  if (urlText !== functionUrl)
    problems.push(
      `function-url "${urlText}" must be none, public (anyone may call it) or iam (signed requests only).`
    )
  return input.parsed({
    functionConfig: {
      environment,
      environmentMode,
      memorySize: readRanged(input, 'memory-size'),
      timeout: readRanged(input, 'timeout'),
      ephemeralStorage: readRanged(input, 'ephemeral-storage'),
      imageConfig: readImageConfig(input),
      description
    },
    role,
    functionUrl
  })
}
