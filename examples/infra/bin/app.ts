import { App } from 'aws-cdk-lib'
import {
  AppStack,
  type FunctionArchitecture,
  RepositoryStack
} from '../lib/stacks'

const app = new App()

function context(name: string): string {
  const value: unknown = app.node.tryGetContext(name)
  if (typeof value !== 'string' || value === '') {
    throw new Error(`set the "${name}" context (cdk.json or -c ${name}=...)`)
  }
  return value
}

const architecture = context('architecture')
if (architecture !== 'x86_64' && architecture !== 'arm64') {
  throw new Error(`architecture must be x86_64 or arm64, got "${architecture}"`)
}
const repositoryName = context('repositoryName')
const functionName = context('functionName')
const existingOidcProviderArn: unknown = app.node.tryGetContext(
  'existingOidcProviderArn'
)

new RepositoryStack(app, `${functionName}-repository`, { repositoryName })
new AppStack(app, `${functionName}-app`, {
  repositoryName,
  functionName,
  architecture: architecture satisfies FunctionArchitecture,
  githubRepository: context('githubRepository'),
  ...(typeof existingOidcProviderArn === 'string' &&
    existingOidcProviderArn !== '' && { existingOidcProviderArn })
})
