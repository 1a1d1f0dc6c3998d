import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  GetAliasCommand,
  GetFunctionCommand,
  PublishVersionCommand,
  LambdaClient,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { fakeTiming } from '../../__fixtures__/timing.js'
import { finishUndo } from '../../src/post/undo.js'
import type { UndoRecord } from '../../src/post/saved-state.js'
import {
  configFingerprint,
  type ConfigSnapshot
} from '../../src/decide/configuration.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:api'
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'
const digest = (c: string): string => `sha256:${c.repeat(64)}`
const OURS = digest('b')
const GOOD = digest('a')
const THEIRS = digest('c')

const latest: UndoRecord = {
  kind: 'latest',
  region: 'us-east-1',
  functionArn: ARN,
  ourDigest: OURS,
  restoreImageUri: `${REPO}@${GOOD}`,
  restoreDigest: GOOD
}
const alias: UndoRecord = {
  kind: 'alias',
  region: 'us-east-1',
  functionArn: ARN,
  alias: 'live',
  ourVersion: '7',
  previousVersion: '6'
}

const lambda = mockClient(LambdaClient)

function runs(d: string, status = 'Successful') {
  return {
    Configuration: {
      FunctionName: 'api',
      FunctionArn: ARN,
      PackageType: 'Image' as const,
      State: 'Active' as const,
      LastUpdateStatus: status as 'Successful',
      CodeSha256: d.slice(7),
      RevisionId: `rev-${d.slice(7, 10)}-${status}`
    },
    Code: { ImageUri: `${REPO}@${d}`, ResolvedImageUri: `${REPO}@${d}` }
  }
}

const finish = (records: UndoRecord[]) =>
  finishUndo(
    records,
    () => undefined,
    () => lambda as unknown as LambdaClient,
    fakeTiming().timing
  )

beforeEach(() => {
  lambda.reset()
})

describe('finishUndo ($LATEST)', () => {
  it('already back on the known good image: verified, nothing changed', async () => {
    lambda.on(GetFunctionCommand).resolves(runs(GOOD))
    const { lines, ok } = await finish([latest])
    expect(ok).toBe(true)
    expect(lines).toEqual([`${ARN} runs ${REPO}@${GOOD} (verified).`])
    expect(lambda.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(0)
  })

  it('still ours: restored with the revision it read', async () => {
    lambda
      .on(GetFunctionCommand)
      .resolvesOnce(runs(OURS, 'InProgress'))
      .resolvesOnce(runs(OURS))
      .resolves(runs(GOOD))
    lambda.on(UpdateFunctionCodeCommand).resolves({})
    const { lines, ok } = await finish([latest])
    expect(ok).toBe(true)
    expect(lines).toEqual([`${ARN} runs ${REPO}@${GOOD} again.`])
    expect(
      lambda.commandCalls(UpdateFunctionCodeCommand)[0]?.args[0].input
    ).toEqual({
      FunctionName: ARN,
      ImageUri: `${REPO}@${GOOD}`,
      RevisionId: runs(OURS).Configuration.RevisionId
    })
  })

  it("someone else's image: left as it is", async () => {
    lambda.on(GetFunctionCommand).resolves(runs(THEIRS))
    const { lines, ok } = await finish([latest])
    expect(ok).toBe(true)
    expect(lines[0]).toContain('deployed by someone else; it is left as it is')
    expect(lambda.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(0)
  })

  it('a refused restore is reported with the command that does it by hand', async () => {
    lambda.on(GetFunctionCommand).resolves(runs(OURS))
    lambda
      .on(UpdateFunctionCodeCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException' })
      )
    const { lines, ok } = await finish([latest])
    expect(ok).toBe(false)
    expect(lines[0]).toContain(
      `aws lambda update-function-code --function-name ${ARN} --image-uri ${REPO}@${GOOD}`
    )
  })
})

describe('finishUndo (alias)', () => {
  const aliasAnswer = (
    version: string,
    weights: Record<string, number> = {}
  ) => ({
    AliasArn: `${ARN}:live`,
    Name: 'live',
    FunctionVersion: version,
    RevisionId: `alias-${version}`,
    ...(Object.keys(weights).length > 0 && {
      RoutingConfig: { AdditionalVersionWeights: weights }
    })
  })

  it('a canary split of ours: all traffic back on the previous version, weights cleared', async () => {
    lambda.on(GetAliasCommand).resolves(aliasAnswer('6', { '7': 0.1 }))
    lambda.on(UpdateAliasCommand).resolves(aliasAnswer('6'))
    const { lines, ok } = await finish([alias])
    expect(ok).toBe(true)
    expect(lines[0]).toContain('points to version 6 again')
    expect(
      lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input
    ).toMatchObject({
      FunctionVersion: '6',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'alias-6'
    })
  })

  it('moved by someone else: left as it is', async () => {
    lambda.on(GetAliasCommand).resolves(aliasAnswer('9'))
    const { lines } = await finish([alias])
    expect(lines[0]).toContain(
      'was changed by someone else since this run moved it (it points to version 9)'
    )
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })

  describe('guarded by the RevisionId this run recorded (issue 22, item 6)', () => {
    const ours: UndoRecord = { ...alias, revisionId: 'after-our-move' }

    it('changed since, though it still points to our version: left as it is', async () => {
      // Someone else re-pointed it to version 7 (their own release of the
      // same code, or a canary of theirs cleared): no longer ours to undo.
      lambda
        .on(GetAliasCommand)
        .resolves({ ...aliasAnswer('7'), RevisionId: 'their-change' })
      const { lines, ok } = await finish([ours])
      expect(ok).toBe(true)
      expect(lines[0]).toContain('was changed by someone else')
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    })

    it('unchanged since our move: put back, guarded by that revision', async () => {
      lambda
        .on(GetAliasCommand)
        .resolves({ ...aliasAnswer('7'), RevisionId: 'after-our-move' })
      lambda.on(UpdateAliasCommand).resolves(aliasAnswer('6'))
      const { lines, ok } = await finish([ours])
      expect(ok).toBe(true)
      expect(lines[0]).toContain('points to version 6 again')
      expect(
        lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input
      ).toMatchObject({ FunctionVersion: '6', RevisionId: 'after-our-move' })
    })
  })

  it('aliases are put back before $LATEST', async () => {
    lambda.on(GetAliasCommand).resolves(aliasAnswer('6'))
    lambda.on(GetFunctionCommand).resolves(runs(GOOD))
    const { lines } = await finish([latest, alias])
    expect(lines[0]).toContain('alias live')
    expect(lines[1]).toContain('(verified)')
  })
})

describe('finishUndo (configuration)', () => {
  const previous: ConfigSnapshot = {
    environment: { STAGE: 'one' },
    memorySize: 512,
    timeout: 30,
    ephemeralStorage: 512,
    imageConfig: {},
    description: ''
  }
  const applied: ConfigSnapshot = {
    ...previous,
    environment: { STAGE: 'two' },
    memorySize: 1024
  }
  const configuration: UndoRecord = {
    kind: 'configuration',
    region: 'us-east-1',
    functionArn: ARN,
    applied: configFingerprint(applied),
    previous: configFingerprint(previous),
    restore: previous
  }
  const having = (config: ConfigSnapshot, d = OURS) => {
    const answer = runs(d)
    return {
      ...answer,
      Configuration: {
        ...answer.Configuration,
        Environment: { Variables: config.environment },
        MemorySize: config.memorySize,
        Timeout: config.timeout,
        EphemeralStorage: { Size: config.ephemeralStorage ?? 512 }
      }
    }
  }

  it('still what the run applied: put back first, guarded by the revision, then the code', async () => {
    lambda
      .on(GetFunctionCommand)
      .resolvesOnce(having(applied))
      .resolvesOnce(having(previous))
      .resolvesOnce(having(previous))
      .resolves(having(previous, GOOD))
    lambda.on(UpdateFunctionConfigurationCommand).resolves({})
    lambda.on(UpdateFunctionCodeCommand).resolves({})

    const { lines, ok } = await finish([latest, configuration])

    expect(ok).toBe(true)
    expect(lines[0]).toBe(`${ARN} has its previous configuration again.`)
    const [update] = lambda.commandCalls(UpdateFunctionConfigurationCommand)
    expect(update?.args[0].input).toEqual({
      FunctionName: ARN,
      RevisionId: having(applied).Configuration.RevisionId,
      Environment: { Variables: { STAGE: 'one' } },
      MemorySize: 512
    })
    expect(lambda.commandCalls(UpdateFunctionCodeCommand)).toHaveLength(1)
  })

  it('changed by someone else since: left as it is', async () => {
    lambda
      .on(GetFunctionCommand)
      .resolves(having({ ...applied, memorySize: 3008 }))
    const { lines, ok } = await finish([configuration])
    expect(ok).toBe(true)
    expect(lines).toEqual([
      `${ARN}: its configuration was changed by someone else meanwhile; it is left as it is.`
    ])
    expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)).toEqual([])
  })
})

describe('finishUndo ($LATEST.PUBLISHED of a Managed Instances function, issue 24)', () => {
  const published: UndoRecord = {
    kind: 'published',
    region: 'us-east-1',
    functionArn: ARN,
    ourDigest: OURS,
    restoreImageUri: `${REPO}@${GOOD}`,
    restoreDigest: GOOD
  }
  const lp = (d: string, state: string) => ({
    ...runs(d),
    Configuration: {
      ...runs(d).Configuration,
      Version: '$LATEST.PUBLISHED',
      State: state as 'Active'
    }
  })

  it('still ours: publishes the previous image again (after $LATEST) and waits until it is Active', async () => {
    let republished = false
    lambda
      .on(GetFunctionCommand)
      .callsFake((input: { Qualifier?: string }) =>
        input.Qualifier === '$LATEST.PUBLISHED'
          ? republished
            ? lp(GOOD, 'Active')
            : lp(OURS, 'Active')
          : runs(GOOD)
      )
    lambda.on(PublishVersionCommand).callsFake(() => {
      republished = true
      return { Version: '$LATEST.PUBLISHED', State: 'Pending' }
    })
    const { lines, ok } = await finish([published, latest])
    expect(ok).toBe(true)
    expect(lines[1]).toBe(
      `${ARN}: $LATEST.PUBLISHED runs the previous image ${REPO}@${GOOD} again (Active).`
    )
    expect(
      lambda.commandCalls(PublishVersionCommand)[0]?.args[0].input
    ).toMatchObject({
      FunctionName: ARN,
      CodeSha256: GOOD.slice(7),
      PublishTo: 'LATEST_PUBLISHED'
    })
  })

  it("someone else's publish is left as it is", async () => {
    lambda.on(GetFunctionCommand).resolves(lp(THEIRS, 'Active'))
    const { lines, ok } = await finish([published])
    expect(ok).toBe(false)
    expect(lines[0]).toContain('someone else published')
    expect(lambda.commandCalls(PublishVersionCommand)).toHaveLength(0)
  })

  it('an activation that outlasts the post step: says so and how to follow it', async () => {
    lambda
      .on(GetFunctionCommand)
      .callsFake((input: { Qualifier?: string }) =>
        input.Qualifier === '$LATEST.PUBLISHED'
          ? lp(GOOD, 'Pending')
          : runs(GOOD)
      )
    const { lines, ok } = await finish([published])
    expect(ok).toBe(false)
    expect(lines[0]).toContain('still activating')
    expect(lines[0]).toContain(
      `aws lambda get-function-configuration --function-name ${ARN} --qualifier '$LATEST.PUBLISHED'`
    )
  })
})
