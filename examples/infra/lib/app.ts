import type { App } from 'aws-cdk-lib'
import { AppStack, type FunctionArchitecture, RepositoryStack } from './stacks'

/**
 * The two stacks of `cdk synth`, from the app's context (cdk.json, or
 * -c name=value). bin/app.ts calls this, and the workflow tests synthesize
 * the same stacks from cdk.json with it.
 */
export function stacksFromContext(app: App): {
  repository: RepositoryStack
  app: AppStack
} {
  const context = (name: string): string => {
    const value: unknown = app.node.tryGetContext(name)
    if (typeof value !== 'string' || value === '') {
      throw new Error(`set the "${name}" context (cdk.json or -c ${name}=...)`)
    }
    return value
  }
  // A list: a JSON array in cdk.json, or comma-separated with -c.
  const list = (name: string): string[] => {
    const value: unknown = app.node.tryGetContext(name)
    if (value === undefined || value === '') return []
    const items =
      typeof value === 'string'
        ? value.split(',').map(item => item.trim())
        : Array.isArray(value)
          ? (value as unknown[])
          : undefined
    if (
      items === undefined ||
      !items.every(item => typeof item === 'string' && item !== '')
    ) {
      throw new Error(
        `the "${name}" context is a list of names (["a", "b"] in cdk.json, or -c ${name}=a,b)`
      )
    }
    return items as string[]
  }

  const architecture = context('architecture')
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new Error(
      `architecture must be x86_64 or arm64, got "${architecture}"`
    )
  }
  const repositoryName = context('repositoryName')
  const functionName = context('functionName')
  const existingOidcProviderArn: unknown = app.node.tryGetContext(
    'existingOidcProviderArn'
  )

  return {
    repository: new RepositoryStack(app, `${functionName}-repository`, {
      repositoryName
    }),
    app: new AppStack(app, `${functionName}-app`, {
      repositoryName,
      functionName,
      architecture: architecture satisfies FunctionArchitecture,
      githubRepository: context('githubRepository'),
      deployEnvironments: list('deployEnvironments'),
      additionalFunctionNames: list('additionalFunctionNames'),
      deployRegions: list('deployRegions'),
      ...(typeof existingOidcProviderArn === 'string' &&
        existingOidcProviderArn !== '' && { existingOidcProviderArn })
    })
  }
}
