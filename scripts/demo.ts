/**
 * `npm run demo`: the action's main job on this machine, with nothing to
 * configure. Brings up the local AWS stand-in (Docker engine, registry, moto,
 * gateway), creates an IMMUTABLE ECR repository, an x86_64 image function with
 * a Function URL, then runs the bundled action twice the way GitHub's runner
 * does: the first run builds, pushes, deploys and smoke-tests; the second
 * (same commit) reuses the tag. Prints each run's outputs and job summary,
 * and the init report of the function's execution environments (the stand-in
 * runs the image through the Lambda execution emulator: cold starts with their
 * Init Duration, INIT_REPORT of failed inits, the extension's EXTENSION line),
 * then stops what it started.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  localAwsCommand,
  createImageFunction,
  filterLogs,
  localAwsEnv,
  reset,
  runAction,
  type ActionResult
} from '../test/local-aws/fixtures.js'
import { makeAppContext } from '../test/local-aws/images.js'
import { initReport, initReportLines } from '../test/local-aws/init-report.js'

function heading(text: string): void {
  console.log(`\n${'='.repeat(78)}\n${text}\n${'='.repeat(78)}`)
}

function show(result: ActionResult): void {
  console.log(`exit code: ${result.exitCode} (${result.durationMs} ms)`)
  console.log('\noutputs:')
  for (const [name, value] of Object.entries(result.outputs)) {
    console.log(`  ${name.padEnd(20)} ${value}`)
  }
  console.log('\njob summary:\n')
  console.log(result.jobSummary.trim())
}

async function main(): Promise<number> {
  const wasRunning = localAwsCommand('status')
  if (!wasRunning) {
    heading('Starting the local AWS stand-in')
    if (!localAwsCommand('up')) return 1
  }
  const workDir = mkdtempSync(
    path.join(os.tmpdir(), 'aspnet-lambda-deploy-demo-')
  )
  try {
    localAwsEnv()
    await reset()
    heading(
      'Creating an IMMUTABLE ECR repository, a role and an x86_64 function with a Function URL'
    )
    const fn = await createImageFunction({
      functionName: 'demo-api',
      repositoryName: 'demo-api',
      architecture: 'x86_64',
      tagMutability: 'IMMUTABLE',
      functionUrl: true,
      body: 'demo-api: initial release\n'
    })
    console.log(`function ${fn.functionArn}`)
    console.log(`runs     ${fn.initialImageUri}`)
    console.log(`URL      ${fn.functionUrl ?? '(none)'}`)

    // A stand-in for an ASP.NET Core app on .NET 10: a busybox runtime serves
    // it through Lambda's Runtime API, a busybox extension lives by the
    // Extensions API, and its publish output's runtimeconfig.json says .NET 10,
    // which the image preflight reads (".NET support" in the job summary).
    const context = makeAppContext(path.join(workDir, 'app'), {
      body: 'demo-api: release 2\n',
      dotnet: { app: 'DemoApi', version: '10.0.1' },
      lifecycleExtension: 'demo-telemetry'
    })
    console.log('app      an ASP.NET Core app on .NET 10 (net10.0, stand-in)')
    const sha = 'c0ffee'.padEnd(40, '0')
    const inputs = {
      'function-name': 'demo-api',
      repository: 'demo-api',
      context,
      'smoke-expect-body': 'release 2'
    }

    heading(`Run 1: uses: aspnet-lambda-deploy (GITHUB_SHA=${sha})`)
    const first = await runAction({ inputs, sha })
    console.log(first.stdout)
    heading('Run 1: result')
    show(first)

    heading(
      'Run 2: the same commit again (a re-run): the tag is reused, nothing is rebuilt'
    )
    const second = await runAction({ inputs, sha })
    console.log(second.stdout)
    heading('Run 2: result')
    show(second)

    heading(
      'Execution environments: the init report from the function log (/aws/lambda/demo-api)'
    )
    const messages = (await filterLogs('demo-api')).map(e => e.message ?? '')
    for (const line of initReportLines(initReport(messages))) console.log(line)

    const ok =
      first.exitCode === 0 &&
      second.exitCode === 0 &&
      second.outputs['reused-image'] === 'true'
    heading(ok ? 'Demo finished: both runs succeeded' : 'Demo FAILED')
    return ok ? 0 : 1
  } finally {
    rmSync(workDir, { recursive: true, force: true })
    if (!wasRunning) {
      heading('Stopping the local AWS stand-in')
      localAwsCommand('down')
    }
  }
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
