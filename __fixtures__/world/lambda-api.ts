/**
 * The world's Lambda API (a LambdaClient answered through
 * aws-sdk-client-mock): functions, code updates, versions, aliases, Invoke
 * answered by the app of the version's image, CreateFunction and
 * DeleteFunction; the Function URL and permission calls are in
 * lambda-urls.ts.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  ListTagsCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type CreateAliasCommandInput,
  type CreateFunctionCommandInput,
  type GetAliasCommandInput,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  type PublishVersionCommandInput,
  type UpdateAliasCommandInput,
  type UpdateFunctionCodeCommandInput,
  type UpdateFunctionConfigurationCommandInput
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { REGION } from '../aws.js'
import { pathOf, type App } from './app.js'
import type { Handle } from './calls.js'
import type { FakeRegistry } from './ecr-registry.js'
import { conflict, notFound } from './lambda-errors.js'
import { FakeFunction } from './lambda-function.js'
import { lambdaUrls } from './lambda-urls.js'
import { digestOf, functionArn } from './names.js'

/** The function (and qualifier) a FunctionName, ARN or name:qualifier names. */
export type Target = (
  name: string | undefined,
  qualifier?: string
) => { fn: FakeFunction; qualifier: string | undefined }

function lambdaTarget(
  functions: Map<string, FakeFunction>,
  functionName: string | undefined,
  qualifier?: string
): { fn: FakeFunction; qualifier: string | undefined } {
  const name = functionName ?? ''
  const bare = name.replace(/^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:/, '')
  const [fnName = '', fromName] = bare.split(':')
  const fn = functions.get(fnName)
  if (fn === undefined)
    throw notFound(`Function not found: ${functionArn(fnName)}`)
  return { fn, qualifier: qualifier ?? fromName }
}

/**
 * A LambdaClient answering from `functions`; the credentials it reports
 * expire at `credentials.expiration`.
 */
export function lambdaClient(world: {
  functions: Map<string, FakeFunction>
  registry: FakeRegistry
  handle: Handle
  app: App
  credentials: { expiration: Date | undefined }
}): LambdaClient {
  const { functions, registry, handle, app, credentials } = world
  // The credential provider is the SDK's own hook: what the run reads of
  // the credentials' expiry (an AwsCredentialIdentity's `expiration`).
  const lambda = new LambdaClient({
    region: REGION,
    credentials: () =>
      Promise.resolve({
        accessKeyId: 'AKIAWORLDEXAMPLE',
        secretAccessKey: 'world-secret',
        sessionToken: 'world-session',
        ...(credentials.expiration !== undefined && {
          expiration: credentials.expiration
        })
      })
  })
  const target: Target = (name, qualifier) =>
    lambdaTarget(functions, name, qualifier)
  const stub = mockClient(lambda)
  stub
    .on(GetFunctionCommand)
    .callsFake(
      handle(
        'lambda:GetFunction',
        (input: { FunctionName?: string; Qualifier?: string }, event) => {
          const { fn: f, qualifier } = target(
            input.FunctionName,
            input.Qualifier
          )
          const answer = f.getFunction(qualifier)
          event.detail = answer.Configuration?.LastUpdateStatus ?? ''
          return answer
        }
      )
    )
    .on(UpdateFunctionCodeCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionCode',
        (input: UpdateFunctionCodeCommandInput) => {
          const uri = input.ImageUri ?? ''
          // Lambda refuses indexes: aws/aws-lambda-roadmap#82 (the wording
          // users report, as the stand-in's gateway answers it).
          const stored = registry.images.get(uri.split('@')[1] ?? '')
          if (stored?.children !== undefined)
            throw new InvalidParameterValueException({
              message: `The image manifest, config or layer media type for the source image ${uri} is not supported.`,
              $metadata: { httpStatusCode: 400 }
            })
          const { fn } = target(input.FunctionName)
          // DryRun: "validate the request parameters and access permissions
          // without modifying the function code" (API_UpdateFunctionCode).
          if (input.DryRun === true) {
            const digest = uri.split('@')[1]
            // (the image it runs now is in ECR, whether the fixture stored it or not)
            if (
              digest !== undefined &&
              stored === undefined &&
              digest !== fn.digest
            )
              throw new InvalidParameterValueException({
                message: `Source image ${uri} does not exist. Provide a valid source image.`,
                $metadata: { httpStatusCode: 400 }
              })
            return fn.configuration()
          }
          return fn.updateCode(uri, input.RevisionId)
        }
      )
    )
    .on(PublishVersionCommand)
    .callsFake(
      handle('lambda:PublishVersion', (input: PublishVersionCommandInput) =>
        target(input.FunctionName).fn.publishVersion(input)
      )
    )
    .on(GetAliasCommand)
    .callsFake(
      handle('lambda:GetAlias', (input: GetAliasCommandInput) =>
        target(input.FunctionName).fn.alias(input.Name ?? '')
      )
    )
    .on(CreateAliasCommand)
    .callsFake(
      handle('lambda:CreateAlias', (input: CreateAliasCommandInput) =>
        target(input.FunctionName).fn.createAlias(input)
      )
    )
    .on(UpdateAliasCommand)
    .callsFake(
      handle('lambda:UpdateAlias', (input: UpdateAliasCommandInput) =>
        target(input.FunctionName).fn.updateAlias(input)
      )
    )
    .on(InvokeCommand)
    .callsFake(
      handle('lambda:Invoke', (input: InvokeCommandInput) => {
        const { fn: f, qualifier } = target(input.FunctionName, input.Qualifier)
        const uri = f.imageOf(qualifier)
        if (uri === undefined)
          throw notFound(`Function not found: ${f.arn}:${qualifier ?? ''}`)
        const event = JSON.parse(
          Buffer.from(input.Payload as Uint8Array).toString('utf8')
        ) as Record<string, unknown>
        const answer = app(digestOf(uri), pathOf(event))
        const executed =
          f.aliases.get(qualifier ?? '')?.version ?? qualifier ?? '$LATEST'
        const payload = (value: unknown) =>
          Buffer.from(JSON.stringify(value)) as unknown as NonNullable<
            InvokeCommandOutput['Payload']
          >
        return 'errorType' in answer
          ? {
              StatusCode: 200,
              ExecutedVersion: executed,
              FunctionError: 'Unhandled',
              Payload: payload(answer)
            }
          : {
              StatusCode: 200,
              ExecutedVersion: executed,
              Payload: payload({
                statusCode: answer.status,
                headers: { 'content-type': 'text/plain; charset=utf-8' },
                body: answer.body,
                isBase64Encoded: false
              })
            }
      })
    )
    .on(UpdateFunctionConfigurationCommand)
    .callsFake(
      handle(
        'lambda:UpdateFunctionConfiguration',
        (input: UpdateFunctionConfigurationCommandInput) =>
          target(input.FunctionName).fn.updateConfiguration(input)
      )
    )
    .on(ListTagsCommand)
    .callsFake(
      handle('lambda:ListTags', (input: { Resource?: string }) => ({
        Tags: { ...target(input.Resource).fn.tags }
      }))
    )
    .on(CreateFunctionCommand)
    .callsFake(
      handle('lambda:CreateFunction', (input: CreateFunctionCommandInput) => {
        const name = input.FunctionName ?? ''
        if (functions.has(name))
          throw conflict(`Function already exist: ${name}`)
        const created = new FakeFunction(name)
        const answer = created.create(input)
        functions.set(name, created)
        return answer
      })
    )
    .on(DeleteFunctionCommand)
    .callsFake(
      handle('lambda:DeleteFunction', (input: { FunctionName?: string }) => {
        functions.delete(target(input.FunctionName).fn.name)
        return {}
      })
    )
  lambdaUrls(stub, target, handle)
  return lambda
}
