/**
 * Keeps the documentation honest about the code: docs/inputs.md's inputs and
 * outputs tables match action.yml, the IAM policy of docs/permissions.md grants
 * exactly what src/ calls (plus what docker push needs), and the examples in
 * the README and docs/ use only inputs that exist.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const root = fileURLToPath(new URL('..', import.meta.url))
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

// ---------------------------------------------------------------- action.yml

interface ActionInput {
  required: boolean
  default: string | undefined
}

interface ActionMetadata {
  inputs: Map<string, ActionInput>
  outputs: string[]
}

function unquote(value: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(value.trim())
  return quoted?.[2] ?? value.trim()
}

/**
 * A parser for the shape action.yml has: top-level keys, then `inputs:` and
 * `outputs:` entries at two spaces, their properties at four. Any other line
 * at two spaces under those keys is an error rather than silently skipped.
 */
function parseActionYml(text: string): ActionMetadata {
  const inputs = new Map<string, ActionInput>()
  const outputs: string[] = []
  let section: string | undefined
  let current: ActionInput | undefined
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return
    const topLevel = /^([A-Za-z][\w-]*):/.exec(line)
    if (topLevel !== null) {
      section = topLevel[1]
      current = undefined
      return
    }
    if (section !== 'inputs' && section !== 'outputs') return
    if (/^ {2}\S/.test(line)) {
      const entry = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line)
      if (entry?.[1] === undefined) {
        throw new Error(
          `action.yml line ${index + 1}: expected "  <name>:" under ${section}, got: ${line}`
        )
      }
      if (section === 'inputs') {
        current = { required: false, default: undefined }
        inputs.set(entry[1], current)
      } else {
        outputs.push(entry[1])
      }
      return
    }
    const property = /^ {4}(required|default):\s*(.*)$/.exec(line)
    if (property !== null && current !== undefined && section === 'inputs') {
      const value = unquote(property[2] ?? '')
      if (property[1] === 'required') current.required = value === 'true'
      else current.default = value
    }
  })
  return { inputs, outputs }
}

// ------------------------------------------------------------ documentation

/** The text under a `## heading`, up to the next `## `. */
function section(markdown: string, heading: string, file = 'README'): string {
  const lines = markdown.split(/\r?\n/)
  const start = lines.findIndex(line => line.trim() === `## ${heading}`)
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`)
  const end = lines.findIndex((line, i) => i > start && /^## /.test(line))
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n')
}

/** Fenced code blocks of one language, in order. */
function codeBlocks(markdown: string, language: string): string[] {
  const fence = new RegExp('^```' + language + '\\s*\\n([\\s\\S]*?)^```', 'gm')
  return [...markdown.matchAll(fence)].map(match => match[1] ?? '')
}

/**
 * Rows of every Markdown table in `text`, as trimmed cells: each table's
 * header and |---| separator left out.
 */
function tableRows(text: string): string[][] {
  const lines = text.split(/\r?\n/)
  const isRow = (line: string | undefined): boolean =>
    line?.trimStart().startsWith('|') ?? false
  const isSeparator = (line: string | undefined): boolean =>
    /^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(line ?? '')
  return lines
    .filter(
      (line, i) =>
        isRow(line) && !isSeparator(line) && !isSeparator(lines[i + 1])
    )
    .map(line =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map(cell => cell.trim())
    )
}

function codeName(cell: string | undefined): string {
  const match = /^`([^`]+)`$/.exec(cell ?? '')
  if (match?.[1] === undefined) {
    throw new Error(`expected a \`name\` cell, got "${cell}"`)
  }
  return match[1]
}

/** `**required**` → required; `` `x` `` → default x; `optional` → neither. */
function parseRequiredDefault(cell: string | undefined): ActionInput {
  if (cell === '**required**') return { required: true, default: undefined }
  if (cell === 'optional') return { required: false, default: undefined }
  const value = /^`([^`]*)`$/.exec(cell ?? '')
  if (value?.[1] !== undefined) return { required: false, default: value[1] }
  throw new Error(
    `"Required / default" cell must be **required**, optional or \`default\`, got "${cell}"`
  )
}

function documentedInputs(markdown: string): Map<string, ActionInput> {
  const inputs = new Map<string, ActionInput>()
  for (const row of tableRows(section(markdown, 'Inputs'))) {
    const name = codeName(row[0])
    if (inputs.has(name)) throw new Error(`input ${name} is documented twice`)
    inputs.set(name, parseRequiredDefault(row[1]))
  }
  return inputs
}

function documentedOutputs(markdown: string): string[] {
  return tableRows(section(markdown, 'Outputs')).map(row => codeName(row[0]))
}

/** Every difference between action.yml's inputs and the README's table. */
function compareInputs(
  action: Map<string, ActionInput>,
  readme: Map<string, ActionInput>
): string[] {
  const problems: string[] = []
  for (const [name, input] of action) {
    const documented = readme.get(name)
    if (documented === undefined) {
      problems.push(`input ${name} is not in docs/inputs.md's Inputs tables`)
      continue
    }
    if (documented.required !== input.required) {
      problems.push(
        `input ${name}: action.yml says required: ${input.required}, docs/inputs.md says ${documented.required ? 'required' : 'optional'}`
      )
    }
    if (documented.default !== input.default) {
      problems.push(
        `input ${name}: action.yml default ${JSON.stringify(input.default)}, docs/inputs.md default ${JSON.stringify(documented.default)}`
      )
    }
  }
  for (const name of readme.keys()) {
    if (!action.has(name)) {
      problems.push(
        `docs/inputs.md documents input ${name}, which action.yml lacks`
      )
    }
  }
  return problems
}

function compareOutputs(action: string[], readme: string[]): string[] {
  return [
    ...action
      .filter(name => !readme.includes(name))
      .map(name => `output ${name} is not in the README's Outputs table`),
    ...readme
      .filter(name => !action.includes(name))
      .map(
        name =>
          `docs/inputs.md documents output ${name}, which action.yml lacks`
      )
  ]
}

// --------------------------------------------------------- IAM and the code

interface PolicyStatement {
  Sid?: string
  Action: string | string[]
  Resource: string | string[]
}

/** The statements of the first ```json block under `## <heading>`. */
function policyStatements(
  markdown: string,
  heading = 'The policy'
): PolicyStatement[] {
  const block = codeBlocks(section(markdown, heading, PERMISSIONS), 'json')[0]
  if (block === undefined)
    throw new Error(`no \`\`\`json block under ${heading}`)
  const policy = JSON.parse(block) as {
    Statement: PolicyStatement | PolicyStatement[]
  }
  return Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]
}

const listOf = (value: string | string[]): string[] =>
  Array.isArray(value) ? value : [value]

/** IAM actions of the first ```json block under "## The policy" (or `heading`). */
function policyActions(markdown: string, heading = 'The policy'): string[] {
  return policyStatements(markdown, heading).flatMap(statement =>
    listOf(statement.Action)
  )
}

// API Gateway v2's IAM actions are the HTTP verbs of its REST resources.
const APIGATEWAY_VERBS: [RegExp, string][] = [
  [/^Get/, 'GET'],
  [/^Create/, 'POST'],
  [/^(Update|Import|Reimport)/, 'PATCH'],
  [/^Delete/, 'DELETE']
]

function iamAction(module: string, operation: string): string {
  switch (module) {
    case '@aws-sdk/client-lambda':
      // Invoke and InvokeWithResponseStream are authorised as
      // lambda:InvokeFunction (AWS Lambda API reference,
      // API_InvokeWithResponseStream.html: "This operation requires
      // permission for the lambda:InvokeFunction action").
      return operation === 'Invoke' || operation === 'InvokeWithResponseStream'
        ? 'lambda:InvokeFunction'
        : `lambda:${operation}`
    case '@aws-sdk/client-ecr':
      return `ecr:${operation}`
    case '@aws-sdk/client-cloudwatch-logs':
      return `logs:${operation}`
    case '@aws-sdk/client-cloudwatch':
      return `cloudwatch:${operation}`
    case '@aws-sdk/client-elastic-load-balancing-v2':
      return `elasticloadbalancing:${operation}`
    // API Gateway (REST APIs) uses the same HTTP-verb IAM actions as v2.
    case '@aws-sdk/client-api-gateway':
    case '@aws-sdk/client-apigatewayv2': {
      const verb = APIGATEWAY_VERBS.find(([pattern]) => pattern.test(operation))
      if (verb === undefined) {
        throw new Error(`no apigateway verb known for ${operation}`)
      }
      return `apigateway:${verb[1]}`
    }
    default:
      throw new Error(
        `${operation}Command comes from ${module}, which this test cannot map to an IAM action: add it to iamAction()`
      )
  }
}

interface CodeCall {
  file: string
  command: string
  iamAction: string
}

/** Every `new XxxCommand(` and `paginateXxx(` in src/*.ts, with the IAM action it needs. */
function awsCallsIn(files: Map<string, string>): CodeCall[] {
  const calls: CodeCall[] = []
  for (const [file, source] of files) {
    const moduleOf = new Map<string, string>()
    for (const imported of source.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[\w-]+)'/g
    )) {
      for (const specifier of (imported[1] ?? '').split(',')) {
        const local = specifier
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .at(-1)
        if (local) moduleOf.set(local, imported[2] ?? '')
      }
    }
    for (const constructed of source.matchAll(/new (\w+)Command\(/g)) {
      const operation = constructed[1] ?? ''
      const command = `${operation}Command`
      const module = moduleOf.get(command)
      if (module === undefined) {
        throw new Error(
          `${file} constructs ${command} but does not import it from an @aws-sdk client`
        )
      }
      calls.push({ file, command, iamAction: iamAction(module, operation) })
    }
    // The SDK's paginators send XxxCommand page after page.
    for (const paginated of source.matchAll(/\bpaginate(\w+)\(/g)) {
      const operation = paginated[1] ?? ''
      const module = moduleOf.get(`paginate${operation}`)
      if (module === undefined) {
        throw new Error(
          `${file} calls paginate${operation} but does not import it from an @aws-sdk client`
        )
      }
      calls.push({
        file,
        command: `${operation}Command`,
        iamAction: iamAction(module, operation)
      })
    }
  }
  return calls
}

/**
 * Granted by the policy although src/ never constructs them:
 * `docker push` (layer and manifest upload) and reading blobs through the
 * registry API, which the action does for the image config and Lambda does
 * when it checks the image.
 */
const DOCKER_REGISTRY_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer'
]

/**
 * Granted although src/ never constructs them: CreateFunction of a preview
 * needs lambda:TagResource for its Tags and iam:PassRole for its Role.
 */
const IMPLIED_ACTIONS = ['iam:PassRole', 'lambda:TagResource']

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>()
  // Recursive: src/preflight/ and any other subdirectory call AWS too.
  for (const name of readdirSync(join(root, 'src'), { recursive: true })
    .map(String)
    .sort()) {
    if (name.endsWith('.ts')) files.set(`src/${name}`, read(`src/${name}`))
  }
  return files
}

// ------------------------------------------------------------ workflow YAML

/**
 * The `with:` keys of each step whose `uses:` satisfies `matches`, in a
 * workflow or a README YAML snippet (block-style YAML as GitHub writes it).
 */
function stepInputs(
  yaml: string,
  matches: (uses: string) => boolean
): string[][] {
  const lines = yaml.split(/\r?\n/)
  const indentOf = (line: string): number => /^ */.exec(line)?.[0].length ?? 0
  const steps: string[][] = []
  lines.forEach((line, index) => {
    const uses = /^( *)(- )?uses:\s*['"]?([^'"\s#]+)/.exec(line)
    if (uses === null || !matches(uses[3] ?? '')) return
    const keyIndent = (uses[1]?.length ?? 0) + (uses[2] !== undefined ? 2 : 0)
    const stepStart = new RegExp(`^ {${keyIndent - 2}}- `)
    let start = index
    while (start > 0 && !stepStart.test(lines[start] ?? '')) start--
    let end = index + 1
    while (end < lines.length) {
      const next = lines[end] ?? ''
      if (next.trim() !== '' && indentOf(next) < keyIndent) break
      end++
    }
    const keys: string[] = []
    let inWith = false
    for (let i = start; i < end; i++) {
      const stepLine = (lines[i] ?? '').replace(
        stepStart,
        ' '.repeat(keyIndent)
      )
      if (stepLine.trim() === '' || stepLine.trimStart().startsWith('#'))
        continue
      const indent = indentOf(stepLine)
      if (indent === keyIndent) {
        inWith = /^ *with:\s*$/.test(stepLine)
        continue
      }
      const key = /^ *([\w-]+):/.exec(stepLine)
      if (inWith && indent === keyIndent + 2 && key?.[1] !== undefined) {
        keys.push(key[1])
      }
    }
    steps.push(keys)
  })
  return steps
}

const isThisAction = (uses: string): boolean =>
  /^your-org\/aspnet-lambda-deploy@/.test(uses)

// --------------------------------------------------------------------- tests

const PERMISSIONS = 'docs/permissions.md'

const readme = read('README.md')
/** Where the inputs and outputs tables live (the README links to it). */
const inputsDoc = read('docs/inputs.md')
const permissions = read(PERMISSIONS)
const contributing = read('CONTRIBUTING.md')
const docs = readdirSync(join(root, 'docs'))
  .filter(name => name.endsWith('.md'))
  .sort()
  .map(name => read(`docs/${name}`))
const action = parseActionYml(read('action.yml'))

describe('the action.yml parser', () => {
  it('reads the inputs, their required flags and defaults, and the outputs', () => {
    expect(action.inputs.get('function-name')).toEqual({
      required: true,
      default: undefined
    })
    expect(action.inputs.get('canary-interval')).toEqual({
      required: false,
      default: '5m'
    })
    expect(action.inputs.get('tag')).toEqual({
      required: false,
      default: undefined
    })
    expect(action.outputs).toContain('image-uri')
  })

  it('refuses a shape it does not understand instead of skipping it', () => {
    expect(() => parseActionYml('inputs:\n  flow: {description: x}\n')).toThrow(
      /expected " {2}<name>:" under inputs/
    )
  })
})

describe('the Inputs and Outputs tables of docs/inputs.md', () => {
  it('match action.yml: every input, required flag and default, nothing extra', () => {
    expect(compareInputs(action.inputs, documentedInputs(inputsDoc))).toEqual(
      []
    )
  })

  it('match action.yml: every output, nothing extra', () => {
    expect(
      compareOutputs(action.outputs, documentedOutputs(inputsDoc))
    ).toEqual([])
  })

  it('would catch an input added to action.yml without documentation', () => {
    const withNewInput = parseActionYml(
      `${read('action.yml').replace(
        /^outputs:/m,
        "  push-only:\n    description: 'x'\n    required: false\n    default: 'false'\n\noutputs:"
      )}`
    )
    expect(
      compareInputs(withNewInput.inputs, documentedInputs(inputsDoc))
    ).toEqual(["input push-only is not in docs/inputs.md's Inputs tables"])
  })

  it('reads every table of the section (one per group), without their headers', () => {
    const doc = [
      '## Inputs',
      '### Build',
      '| Name | Required / default | Description |',
      '| --- | --- | --- |',
      '| `context` | `.` | x |',
      '### Checks',
      '| Name | Required / default | Description |',
      '|---|:---:|---|',
      '| `smoke-test` | `true` | y |',
      '## Outputs',
      '| Name | Description |',
      '| --- | --- |',
      '| `image-uri` | z |'
    ].join('\n')
    expect([...documentedInputs(doc)]).toEqual([
      ['context', { required: false, default: '.' }],
      ['smoke-test', { required: false, default: 'true' }]
    ])
    expect(documentedOutputs(doc)).toEqual(['image-uri'])
    expect(() =>
      documentedInputs(doc.replace('`smoke-test`', '`context`'))
    ).toThrow(/input context is documented twice/)
  })

  it("follow action.yml's groups, in action.yml's order", () => {
    // action.yml: `  # --- <Group> ---` above each group's inputs.
    const groups: [string, string[]][] = []
    const yml = read('action.yml')
    const inputsPart = yml.slice(
      yml.indexOf('\ninputs:'),
      yml.indexOf('\noutputs:')
    )
    for (const line of inputsPart.split('\n')) {
      const group = /^ {2}# --- (.+?) -+$/.exec(line)?.[1]
      if (group !== undefined) groups.push([group, []])
      const input = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1]
      if (input !== undefined && action.inputs.has(input))
        groups.at(-1)?.[1].push(input)
    }
    const documented = [
      ...section(inputsDoc, 'Inputs', 'docs/inputs.md').matchAll(
        /^### (.+)$([\s\S]*?)(?=^### |(?![\s\S]))/gm
      )
    ].map(([, title, body]): [string, string[]] => [
      title ?? '',
      tableRows(body ?? '').map(row => codeName(row[0]))
    ])
    expect(groups.length).toBeGreaterThanOrEqual(5)
    expect(groups.flatMap(([, names]) => names)).toHaveLength(
      action.inputs.size
    )
    expect(documented).toEqual(groups)
  })

  it('leave the README short: it links to them and stays under 22 KB', () => {
    expect(readme).toContain('](docs/inputs.md)')
    expect(Buffer.byteLength(readme)).toBeLessThan(22_000)
  })

  it('would catch a changed default and a removed output', () => {
    const changed = new Map(action.inputs)
    changed.set('canary-interval', { required: false, default: '10m' })
    expect(compareInputs(changed, documentedInputs(inputsDoc))).toEqual([
      'input canary-interval: action.yml default "10m", docs/inputs.md default "5m"'
    ])
    expect(
      compareOutputs(
        action.outputs.filter(name => name !== 'rolled-back'),
        documentedOutputs(inputsDoc)
      )
    ).toEqual([
      'docs/inputs.md documents output rolled-back, which action.yml lacks'
    ])
  })
})

describe('the IAM policy of docs/permissions.md', () => {
  const calls = awsCallsIn(sourceFiles())
  const needed = [...new Set(calls.map(call => call.iamAction))].sort()
  const production = policyActions(permissions)
  const previews = policyActions(permissions, 'The preview policy')
  // A run assumes one role or the other: together they cover the code.
  const granted = [...new Set([...production, ...previews])]

  it('is derived from a scan that finds the calls the action is built on', () => {
    expect(needed).toEqual(
      expect.arrayContaining([
        'lambda:UpdateFunctionCode',
        'lambda:GetFunction',
        'ecr:DescribeImages',
        'apigateway:GET'
      ])
    )
  })

  it('grants every AWS action the code calls', () => {
    expect(needed.filter(iam => !granted.includes(iam))).toEqual([])
  })

  it('grants nothing the code does not call, apart from docker push/pull', () => {
    const allowed = new Set([
      ...needed,
      ...DOCKER_REGISTRY_ACTIONS,
      ...IMPLIED_ACTIONS
    ])
    expect(production.filter(iam => !allowed.has(iam))).toEqual([])
    expect(previews.filter(iam => !allowed.has(iam))).toEqual([])
  })

  it('grants what docker push and the registry API need, in each policy', () => {
    expect(
      DOCKER_REGISTRY_ACTIONS.filter(iam => !production.includes(iam))
    ).toEqual([])
    expect(
      DOCKER_REGISTRY_ACTIONS.filter(iam => !previews.includes(iam))
    ).toEqual([])
  })

  it('grants each action once, in each policy', () => {
    for (const actions of [production, previews]) {
      expect(actions.filter((iam, i) => actions.indexOf(iam) !== i)).toEqual([])
    }
  })

  // What only previews call: a preview's or a cleanup's own calls, made in
  // src/preview/ or in the AWS modules of what only previews do
  // (src/aws/preview-*.ts).
  const inPreview = (file: string): boolean =>
    file.startsWith('src/preview/') || file.startsWith('src/aws/preview-')
  const previewOnly = [
    ...new Set(
      calls.filter(call => inPreview(call.file)).map(call => call.iamAction)
    )
  ].filter(iam =>
    calls.every(call => call.iamAction !== iam || inPreview(call.file))
  )

  it('the preview policy grants every call previews make, and the production policy none of its own', () => {
    // CreateFunction, AddPermission and CreateFunctionUrlConfig are also a
    // deploy's with role (the first deploy creates the function), and
    // DeleteFunction a deploy's with prune-versions (Managed Instances).
    expect(previewOnly).toEqual(
      expect.arrayContaining(['ecr:BatchDeleteImage'])
    )
    const previewCalls = [
      ...new Set(
        calls.filter(call => inPreview(call.file)).map(call => call.iamAction)
      )
    ]
    expect(previewCalls.filter(iam => !previews.includes(iam))).toEqual([])
    expect(previewOnly.filter(iam => production.includes(iam))).toEqual([])
  })

  it('the preview policy may change only previews: Lambda writes on my-api-pr-*, ECR writes on the previews repository, PassRole on the preview role', () => {
    const lambdaWrites =
      /^lambda:(Create|Update|Delete|Publish|Add|Remove|Put|Tag|Untag)/
    const ecrWrites =
      /^ecr:(PutImage|InitiateLayerUpload|UploadLayerPart|CompleteLayerUpload|BatchDeleteImage|Put|Delete|Set|Tag)/
    const problems: string[] = []
    for (const statement of policyStatements(
      permissions,
      'The preview policy'
    )) {
      const actions = listOf(statement.Action)
      const resources = listOf(statement.Resource)
      const check = (pattern: RegExp, allowed: RegExp, what: string) => {
        for (const action of actions.filter(a => pattern.test(a)))
          for (const resource of resources.filter(r => !allowed.test(r)))
            problems.push(
              `${statement.Sid ?? '?'}: ${action} on ${resource} (${what})`
            )
      }
      check(lambdaWrites, /:function:my-api-pr-\*$/, 'not a preview function')
      check(
        ecrWrites,
        /:repository\/team\/my-api-previews$/,
        'not the previews repository'
      )
      check(
        /^iam:PassRole$/,
        /:role\/my-api-preview$/,
        'not the preview execution role'
      )
      if (actions.some(a => a.endsWith('*')))
        problems.push(`${statement.Sid ?? '?'}: a wildcard action`)
    }
    expect(problems).toEqual([])
  })

  it('the production policy is not the preview policy: it has no preview resources', () => {
    const resources = policyStatements(permissions).flatMap(statement =>
      listOf(statement.Resource)
    )
    expect(resources.filter(r => /my-api-pr-|my-api-preview/.test(r))).toEqual(
      []
    )
  })

  it('counts a paginator as the command it sends', () => {
    expect(
      awsCallsIn(
        new Map([
          [
            'src/x.ts',
            "import { paginateListImages } from '@aws-sdk/client-ecr'\nfor await (const page of paginateListImages({ client }, {})) {}"
          ]
        ])
      )
    ).toEqual([
      {
        file: 'src/x.ts',
        command: 'ListImagesCommand',
        iamAction: 'ecr:ListImages'
      }
    ])
  })

  it('maps every SDK client the code imports', () => {
    expect(() =>
      awsCallsIn(
        new Map([
          [
            'src/x.ts',
            "import { ListBucketsCommand } from '@aws-sdk/client-s3'\nnew ListBucketsCommand({})"
          ]
        ])
      )
    ).toThrow(/cannot map to an IAM action/)
  })
})

describe('README, docs/ and workflow examples', () => {
  const unknown = (keys: string[]): string[] =>
    keys.filter(key => !action.inputs.has(key))
  const required = [...action.inputs]
    .filter(([, input]) => input.required)
    .map(([name]) => name)

  it('the quick start uses only inputs action.yml has, and all required ones', () => {
    const workflow = codeBlocks(section(readme, 'Quick start'), 'yaml')[0] ?? ''
    const steps = stepInputs(workflow, isThisAction)
    expect(steps).toHaveLength(1)
    const keys = steps[0] ?? []
    expect(unknown(keys)).toEqual([])
    expect(required.filter(name => !keys.includes(name))).toEqual([])
  })

  it("the quick start's IAM policy is docs/permissions.md's, word for word", () => {
    const inReadme = codeBlocks(section(readme, 'Quick start'), 'json')[0]
    const documented = codeBlocks(
      section(permissions, 'The policy', PERMISSIONS),
      'json'
    )[0]
    expect(inReadme).toBeDefined()
    expect(JSON.parse(inReadme ?? '')).toEqual(JSON.parse(documented ?? ''))
  })

  it('the quick start is the workflow the README promises', () => {
    const workflow = codeBlocks(section(readme, 'Quick start'), 'yaml')[0] ?? ''
    expect(workflow).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]$/m)
    expect(workflow).toMatch(/^ {2}id-token: write\b/m)
    expect(workflow).toMatch(/^ {2}contents: read$/m)
    expect(workflow).toMatch(/^ {2}group: deploy-[\w-]+$/m)
    expect(workflow).toMatch(/^ {2}cancel-in-progress: false$/m)
    const order = [
      'actions/checkout@',
      'aws-actions/configure-aws-credentials@',
      'docker/setup-buildx-action@',
      'your-org/aspnet-lambda-deploy@v1'
    ].map(uses => workflow.indexOf(`uses: ${uses}`))
    expect(order.every(position => position >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(workflow).toMatch(/role-to-assume: /)
    // A job limit, and the environment the example stack's role trusts.
    expect(workflow).toMatch(/^ {4}timeout-minutes: \d+$/m)
    expect(workflow).toMatch(/^ {4}environment: production$/m)
  })

  it('every YAML snippet in the README and docs/ uses only existing inputs', () => {
    const keys = [readme, ...docs]
      .flatMap(markdown => codeBlocks(markdown, 'yaml'))
      .flatMap(block => stepInputs(block, isThisAction).flat())
    expect(keys.length).toBeGreaterThan(0)
    expect(unknown(keys)).toEqual([])
  })

  it("CI's uses: ./ steps use only existing inputs", () => {
    const steps = stepInputs(
      read('.github/workflows/ci.yml'),
      uses => uses === './'
    )
    expect(steps.length).toBeGreaterThan(0)
    for (const keys of steps) {
      expect(unknown(keys)).toEqual([])
      expect(required.filter(name => !keys.includes(name))).toEqual([])
    }
  })

  it('.env.example sets every input, and only inputs that exist', () => {
    const names = [...read('.env.example').matchAll(/^INPUT_([A-Z0-9_-]+)=/gm)]
      .map(match => (match[1] ?? '').toLowerCase())
      .sort()
    expect(names).toEqual([...action.inputs.keys()].sort())
  })

  it('the Dockerfile and Program.cs shown are the example app', () => {
    // docs/your-app.md is all about the app's shape: the whole page.
    const shape = read('docs/your-app.md')
    expect(codeBlocks(shape, 'dockerfile')[0]).toBe(
      read('examples/aspnet-minimal-api/Dockerfile')
    )
    expect(codeBlocks(shape, 'csharp')[0]).toBe(
      read('examples/aspnet-minimal-api/Program.cs')
    )
  })

  it('"Run it locally" gives exactly the two commands, and both scripts exist', () => {
    const commands = codeBlocks(
      section(contributing, 'Run it locally', 'CONTRIBUTING.md'),
      'sh'
    ).map(block => block.trim())
    expect(commands).toEqual([
      '. scripts/use-node.sh && npm ci && npm run demo',
      '. scripts/use-node.sh && npm ci && npm run test:all'
    ])
    const scripts = (
      JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    ).scripts
    expect(Object.keys(scripts)).toEqual(
      expect.arrayContaining(['demo', 'test:all'])
    )
  })
})
