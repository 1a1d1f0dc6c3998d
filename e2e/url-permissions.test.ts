/**
 * A public Function URL with only lambda:InvokeFunctionUrl in its function's
 * policy answers 403 to everything since the 2025 authorization rule (for
 * every URL since 2026-11-01; AWS docs: urls-auth). The stand-in models the
 * rule. The smoke test meets that 403 on a plain deploy (not a preview): the
 * failure names both permissions and the commands that add them, and the
 * function is put back on the release it ran.
 */
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  createImageFunction,
  localAwsEnv,
  reset,
  runAction
} from '../test/local-aws/fixtures.js'
import {
  appContext,
  deployedDigest,
  errors,
  httpGet
} from '../test/local-aws/assertions.js'

jest.setTimeout(240_000)

beforeEach(async () => {
  localAwsEnv()
  await reset()
})

describe('a public Function URL missing lambda:InvokeFunction', () => {
  it('fails the smoke test naming both permissions and the add-permission commands, and rolls back', async () => {
    const fn = await createImageFunction({
      functionName: 'legacy',
      repositoryName: 'legacy',
      architecture: 'x86_64',
      functionUrl: true,
      urlPermissions: 'url-only',
      body: 'release 1\n'
    })
    // What users see: the URL refuses every request.
    expect((await httpGet(fn.functionUrl ?? '')).status).toBe(403)

    const result = await runAction({
      inputs: {
        'function-name': 'legacy',
        repository: 'legacy',
        context: appContext({ body: 'release 2\n' }),
        'smoke-timeout': '5s'
      }
    })

    expect(result.exitCode).toBe(1)
    const error = errors(result)
    expect(error).toMatch(
      /Smoke test failed: .* last: status 403, expected 200/
    )
    expect(error).toContain(
      'allow both lambda:InvokeFunctionUrl and lambda:InvokeFunction to everyone'
    )
    expect(error).toContain(
      "aws lambda add-permission --function-name legacy --statement-id FunctionURLAllowInvokeAction --action lambda:InvokeFunction --principal '*' --invoked-via-function-url"
    )
    expect(error).toMatch(/Rolled back: legacy runs the previous image/)
    // What the function serves at the end: release 1's image.
    expect(await deployedDigest('legacy')).toBe(fn.initialDigest)
    expect(result.outputs['rolled-back']).toBe('true')
    expect(result.summary).toContain('--invoked-via-function-url')
  })
})
