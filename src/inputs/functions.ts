import { fields, type InputReader, type Parsed } from './readers.js'
import type { Mode } from './types.js'

// Lambda: names are 1-64 of [A-Za-z0-9_-]; ARNs may be partial. No qualifier:
// UpdateFunctionCode always updates $LATEST.
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/
const FUNCTION_ARN =
  /^(?:arn:aws[a-z-]*:lambda:(?<region>[a-z]{2}(?:-[a-z]+)+-\d):)?(?<account>\d{12}):function:(?<name>[A-Za-z0-9_-]{1,64})$/

export interface FunctionsInput {
  /** The first (or only) function; '' when none was given. */
  functionName: string
  functionNames: string[]
  /** The region of the function ARNs, when they name one. */
  region: string | undefined
}

/** function-name: names or ARNs, one per line, each once, in one region. */
export function readFunctions(read: InputReader): Parsed<FunctionsInput> {
  const input = fields(read)
  const { problems } = input
  const functionNames = input.lines('function-name')
  const regions = new Set<string>()
  if (functionNames.length === 0) {
    problems.push(
      'function-name is required: a Lambda function name (my-api) or ARN (arn:aws:lambda:us-east-1:123456789012:function:my-api), or several, one per line.'
    )
  }
  for (const name of functionNames) {
    if (FUNCTION_NAME.test(name)) continue
    const arn = FUNCTION_ARN.exec(name)
    if (arn?.groups === undefined) {
      problems.push(
        `function-name "${name}" is not a function name (1-64 letters, digits, - or _) or a function ARN without qualifier (arn:aws:lambda:<region>:<account>:function:<name>).`
      )
    } else if (arn.groups.region !== undefined) {
      regions.add(arn.groups.region)
    }
  }
  const bareNames = functionNames.map(name => name.split(':').at(-1) ?? name)
  const repeated = bareNames.filter((name, i) => bareNames.indexOf(name) !== i)
  if (repeated.length > 0) {
    problems.push(
      `function-name lists ${[...new Set(repeated)].join(', ')} more than once: give each function once.`
    )
  }
  if (regions.size > 1) {
    problems.push(
      `function-name lists functions in several regions (${[...regions].join(', ')}): one run deploys in one region; use one job per region (a matrix) with the image input.`
    )
  }
  return input.parsed({
    functionName: functionNames[0] ?? '',
    functionNames,
    region: [...regions][0]
  })
}

/** Preview and cleanup runs work on one production function. */
export function oneFunctionPerPreview(
  functionNames: readonly string[],
  mode: Mode
): string[] {
  return mode !== 'deploy' && functionNames.length > 1
    ? [
        `function-name lists ${functionNames.length} functions, but mode: ${mode} works on one production function: give one.`
      ]
    : []
}
