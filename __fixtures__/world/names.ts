/**
 * The world's names and addresses: when the run starts, ARNs, image URIs by
 * digest, Function URLs and the statements of a public one.
 */
import {
  ACCOUNT,
  PREVIOUS_DIGEST,
  REGION,
  REGISTRY,
  REGISTRY_PASSWORD,
  REPOSITORY_NAME
} from '../aws.js'

/** When the run starts (the world's clock): logs are read from here on. */
export const START = Date.UTC(2024, 2, 2, 9, 30)

export const functionArn = (name: string): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`
export const repositoryUriOf = (name: string): string => `${REGISTRY}/${name}`
export const uriOf = (digest: string, repository = REPOSITORY_NAME): string =>
  `${repositoryUriOf(repository)}@${digest}`
export const digestOf = (uri: string | undefined): string | undefined =>
  /@(sha256:[a-f0-9]{64})$/.exec(uri ?? '')?.[1]
export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '')
export const PREVIOUS_URI = uriOf(PREVIOUS_DIGEST)
export const functionUrlOf = (name: string): string =>
  `https://${name}.lambda-url.${REGION}.on.aws/`
/** The statements ensureFunctionUrl adds for an AuthType NONE URL. */
export const PUBLIC_URL_STATEMENT = 'FunctionURLAllowPublicAccess'
export const PUBLIC_INVOKE_STATEMENT = 'FunctionURLAllowInvokeAction'
/** Lambda's answer to a Function URL request the policy does not allow. */
export const URL_FORBIDDEN = {
  Message:
    'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html'
}

/** The registry API's Basic auth for the ECR token's password. */
export const BASIC_AUTH = `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}`
