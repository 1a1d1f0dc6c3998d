/**
 * The Lambda Managed Instances case of `npm run bench` (issue 24): a plain
 * deploy of a Managed Instances function publishes to $LATEST.PUBLISHED and
 * waits until it is Active. The stand-in activates a published version in a
 * set time (control `managed-instances`, activationMs); the action logs how
 * long it waited from its PublishVersion to the poll that saw Active. The
 * difference is what the action adds to the activation: the target is at
 * most one poll interval (ACTIVATION_POLL_MS, 2 s). Every run is checked,
 * not only timed: it must end with the Function URL serving its release.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  PublishVersionCommand,
  waitUntilPublishedVersionActive
} from '@aws-sdk/client-lambda'
import { ACTIVATION_POLL_MS } from '../../src/aws/managed-instances.js'
import {
  awsClients,
  createImageFunction,
  localAwsEnv,
  runAction
} from '../../test/local-aws/fixtures.js'
import { makeAppContext } from '../../test/local-aws/images.js'

/** How long the stand-in takes to activate each published version. */
export const BENCH_ACTIVATION_MS = 10_000

export interface ManagedRow {
  case: string
  /** The stand-in's activation time. */
  activationMs: number
  /** What the action waited, PublishVersion to the poll that saw Active. */
  waitedMs: number[]
  polls: number[]
  /** Wall time of each run. */
  wallMs: number[]
  target: string
}

const ACTIVE =
  /\$LATEST\.PUBLISHED is Active after ([0-9.]+)(ms|s) \((\d+) polls\)/

export async function managedBench(
  work: string,
  runs: number,
  log: (message: string) => void
): Promise<ManagedRow> {
  const name = 'bench-mi'
  const fn = await createImageFunction({
    functionName: name,
    repositoryName: name,
    architecture: 'x86_64',
    functionUrl: true
  })
  const res = await fetch(
    `${localAwsEnv().control}/functions/${name}/managed-instances`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationMs: BENCH_ACTIVATION_MS })
    }
  )
  if (!res.ok) throw new Error(`managed-instances: ${res.status}`)
  const { lambda } = awsClients()
  await lambda.send(
    new PublishVersionCommand({
      FunctionName: name,
      PublishTo: 'LATEST_PUBLISHED'
    })
  )
  await waitUntilPublishedVersionActive(
    { client: lambda, maxWaitTime: 120 },
    { FunctionName: name, Qualifier: '$LATEST.PUBLISHED' }
  )
  const context = makeAppContext(path.join(work, 'managed-app'), {
    body: 'managed 0\n'
  })
  const row: ManagedRow = {
    case: `Managed Instances plain deploy, ${BENCH_ACTIVATION_MS / 1000} s activation`,
    activationMs: BENCH_ACTIVATION_MS,
    waitedMs: [],
    polls: [],
    wallMs: [],
    target: `waited − activation ≤ ${ACTIVATION_POLL_MS / 1000} s (one poll interval)`
  }
  for (let i = 1; i <= runs; i++) {
    const body = `managed ${i}\n`
    writeFileSync(path.join(context, 'www', 'index.html'), body)
    const started = Date.now()
    const result = await runAction({
      inputs: { 'function-name': name, repository: name, context },
      sha: `${i}`.padStart(40, 'c')
    })
    const wall = Date.now() - started
    const found = ACTIVE.exec(result.stdout)
    if (result.exitCode !== 0 || found === null)
      throw new Error(
        `the managed deploy failed:\n${result.stdout}\n${result.stderr}`
      )
    const served = await fetch(fn.functionUrl ?? '').then(r => r.text())
    if (served !== body)
      throw new Error(
        `the Function URL serves ${JSON.stringify(served)}, not release ${i}`
      )
    const waited = Number(found[1]) * (found[2] === 's' ? 1000 : 1)
    row.waitedMs.push(waited)
    row.polls.push(Number(found[3]))
    row.wallMs.push(wall)
    log(
      `managed ${i}/${runs}: waited ${waited} ms for a ${BENCH_ACTIVATION_MS} ms activation (${found[3]} polls), wall ${wall} ms`
    )
  }
  return row
}
