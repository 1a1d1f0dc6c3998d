/**
 * One Lambda function as the world's Lambda sees it: $LATEST and its
 * versions (FunctionCode, lambda-code.ts), its aliases with weights,
 * description and RevisionId, its Function URL, tags and resource policy.
 */
import {
  PreconditionFailedException,
  type AddPermissionCommandInput,
  type AliasConfiguration,
  type CreateAliasCommandInput,
  type CreateFunctionCommandInput,
  type FunctionConfiguration,
  type FunctionUrlAuthType,
  type UpdateAliasCommandInput
} from '@aws-sdk/client-lambda'
import { FunctionCode } from './lambda-code.js'
import { conflict, notFound } from './lambda-errors.js'
import { PUBLIC_INVOKE_STATEMENT, PUBLIC_URL_STATEMENT } from './names.js'

/** A Function URL: on $LATEST (qualifier undefined) or on an alias. */
export interface FakeUrl {
  qualifier: string | undefined
  /** Default: functionUrlOf(name). */
  address?: string
  /** Default NONE. */
  authType?: FunctionUrlAuthType
  /** Absent from GetFunctionUrlConfig's answer unless set (BUFFERED then). */
  invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM'
}

/**
 * One Lambda function: $LATEST, its published versions (FunctionCode) and
 * its aliases, its Function URL and the permissions of its resource policy.
 */
export class FakeFunction extends FunctionCode {
  /** Resource policy statements (AddPermission), the two public URL ones included. */
  readonly permissions: Omit<AddPermissionCommandInput, 'FunctionName'>[] = [
    {
      StatementId: PUBLIC_URL_STATEMENT,
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE'
    },
    {
      StatementId: PUBLIC_INVOKE_STATEMENT,
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      InvokedViaFunctionUrl: true
    }
  ]
  /** The Function URL; undefined: none. */
  url: FakeUrl | undefined = { qualifier: undefined }
  private revisions = 0

  /** CreateFunction made this function: no URL, no permissions yet. */
  override create(input: CreateFunctionCommandInput): FunctionConfiguration {
    this.url = undefined
    this.permissions.length = 0
    return super.create(input)
  }

  /** Point `name` at `version` (test set-up). */
  setAlias(name: string, version: string, description?: string): void {
    this.aliases.set(name, {
      version,
      weights: {},
      description,
      revisionId: this.nextRevision()
    })
  }

  alias(name: string): AliasConfiguration {
    const alias = this.aliases.get(name)
    if (alias === undefined)
      throw notFound(`Alias not found: ${this.arn}:${name}`)
    return {
      AliasArn: `${this.arn}:${name}`,
      Name: name,
      FunctionVersion: alias.version,
      ...(alias.description !== undefined && {
        Description: alias.description
      }),
      ...(Object.keys(alias.weights).length > 0 && {
        RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } }
      }),
      RevisionId: alias.revisionId
    }
  }

  createAlias(input: CreateAliasCommandInput): AliasConfiguration {
    const name = input.Name ?? ''
    if (this.aliases.has(name))
      throw conflict(`Alias already exists: ${this.arn}:${name}`)
    this.checkVersion(input.FunctionVersion)
    this.aliases.set(name, {
      version: input.FunctionVersion ?? '',
      weights: { ...input.RoutingConfig?.AdditionalVersionWeights },
      description: input.Description,
      revisionId: this.nextRevision()
    })
    return this.alias(name)
  }

  updateAlias(input: UpdateAliasCommandInput): AliasConfiguration {
    const name = input.Name ?? ''
    const alias = this.aliases.get(name)
    if (alias === undefined)
      throw notFound(`Alias not found: ${this.arn}:${name}`)
    if (
      input.RevisionId !== undefined &&
      input.RevisionId !== alias.revisionId
    ) {
      throw new PreconditionFailedException({
        message:
          'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
        $metadata: { httpStatusCode: 412 }
      })
    }
    const weights = input.RoutingConfig?.AdditionalVersionWeights
    for (const version of [
      input.FunctionVersion,
      ...Object.keys(weights ?? {})
    ])
      this.checkVersion(version)
    if (input.FunctionVersion !== undefined)
      alias.version = input.FunctionVersion
    if (input.Description !== undefined) alias.description = input.Description
    if (weights !== undefined) alias.weights = { ...weights }
    alias.revisionId = this.nextRevision()
    return this.alias(name)
  }

  /**
   * Whether anyone on the internet may call the URL. Lambda's rule since
   * October 2025: AuthType NONE, and both lambda:InvokeFunctionUrl (for a
   * NONE URL) and lambda:InvokeFunction (through the URL) granted to *.
   */
  get urlIsPublic(): boolean {
    return (
      (this.url?.authType ?? 'NONE') === 'NONE' &&
      this.permissions.some(
        p =>
          p.Action === 'lambda:InvokeFunctionUrl' &&
          p.Principal === '*' &&
          p.FunctionUrlAuthType === 'NONE'
      ) &&
      this.permissions.some(
        p =>
          p.Action === 'lambda:InvokeFunction' &&
          p.Principal === '*' &&
          p.InvokedViaFunctionUrl === true
      )
    )
  }

  /** GetPolicy's Policy text, with the conditions where IAM puts them. */
  policyText(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'default',
      Statement: this.permissions.map(p => ({
        Sid: p.StatementId,
        Effect: 'Allow',
        Principal: p.Principal,
        Action: p.Action,
        Resource: this.arn,
        ...((p.FunctionUrlAuthType !== undefined ||
          p.InvokedViaFunctionUrl !== undefined) && {
          Condition: {
            ...(p.FunctionUrlAuthType !== undefined && {
              StringEquals: {
                'lambda:FunctionUrlAuthType': p.FunctionUrlAuthType
              }
            }),
            ...(p.InvokedViaFunctionUrl !== undefined && {
              Bool: {
                'lambda:InvokedViaFunctionUrl': String(p.InvokedViaFunctionUrl)
              }
            })
          }
        })
      }))
    })
  }

  private checkVersion(version: string | undefined): void {
    if (version === undefined || version === '$LATEST') return
    if (!this.versions.has(version))
      throw notFound(`Function not found: ${this.arn}:${version}`)
  }

  private nextRevision(): string {
    return `revision-${this.name}-${++this.revisions}`
  }
}
