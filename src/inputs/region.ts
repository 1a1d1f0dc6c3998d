import { fields, type InputReader, type Parsed } from './readers.js'

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/

export function isRegion(text: string): boolean {
  return REGION.test(text)
}

/** Regions that function ARNs and a repository URI named. */
export interface NamedRegions {
  functions: string | undefined
  repository: string | undefined
}

/**
 * aws-region, else the region the function ARNs or the repository URI
 * name, else AWS_REGION or AWS_DEFAULT_REGION. Everything must be in it.
 */
export function readRegion(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  named: NamedRegions
): Parsed<string> {
  const input = fields(read)
  const { problems } = input
  const region =
    input.optional('aws-region') ??
    named.functions ??
    named.repository ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    ''
  if (region === '') {
    problems.push(
      'aws-region: no AWS region. Set aws-region, or AWS_REGION (aws-actions/configure-aws-credentials sets it).'
    )
  } else if (!isRegion(region)) {
    problems.push(
      `aws-region "${region}" is not an AWS region such as eu-west-1.`
    )
  } else {
    for (const [name, other] of [
      ['function-name', named.functions],
      ['repository', named.repository]
    ] as const) {
      if (other !== undefined && other !== region) {
        problems.push(
          `${name} is in ${other} but the deploy runs in ${region}: Lambda can only run images from an ECR repository in its own region (use ECR replication).`
        )
      }
    }
  }
  return input.parsed(region)
}
