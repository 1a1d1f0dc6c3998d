import { allows, type Policy, trustsSubject, wildcardMatch } from './iam'

describe('wildcardMatch', () => {
  it.each([
    [
      'arn:aws:lambda:*:1:function:f',
      'arn:aws:lambda:eu-west-1:1:function:f',
      true
    ],
    ['function:f-pr-*', 'function:f-pr-42', true],
    ['function:f-pr-*', 'function:f', false],
    ['function:f', 'function:f:live', false],
    ['function:f:*', 'function:f:live', true],
    ['function:f?', 'function:f1', true],
    ['function:f?', 'function:f', false],
    ['function:f?', 'function:f12', false],
    // Dots and other regular-expression characters are literal.
    ['a.b', 'axb', false],
    ['(a)+', '(a)+', true],
    ['*', '', true]
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected)
  })

  it('ignores case only when asked (actions, not resources)', () => {
    expect(wildcardMatch('lambda:getfunction', 'lambda:GetFunction')).toBe(
      false
    )
    expect(
      wildcardMatch('lambda:getfunction', 'lambda:GetFunction', true)
    ).toBe(true)
  })
})

describe('allows', () => {
  const policy: Policy = {
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:Get*', 'lambda:UpdateFunctionCode'],
        Resource: [
          'arn:aws:lambda:eu-west-1:1:function:f',
          'arn:aws:lambda:eu-west-1:1:function:f:*'
        ]
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::1:role/r',
        Condition: {
          StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' }
        }
      },
      { Effect: 'Deny', Action: 'lambda:GetPolicy', Resource: '*' }
    ]
  }
  const f = 'arn:aws:lambda:eu-west-1:1:function:f'

  it.each([
    ['lambda:GetFunction', f, {}, true],
    ['lambda:UpdateFunctionCode', `${f}:live`, {}, true],
    [
      'lambda:UpdateFunctionCode',
      'arn:aws:lambda:us-east-1:1:function:f',
      {},
      false
    ],
    ['lambda:UpdateFunctionCode', `${f}-internal`, {}, false],
    ['lambda:DeleteFunction', f, {}, false],
    // An explicit Deny wins over the Allow of lambda:Get*.
    ['lambda:GetPolicy', f, {}, false],
    [
      'iam:PassRole',
      'arn:aws:iam::1:role/r',
      { 'iam:PassedToService': 'lambda.amazonaws.com' },
      true
    ],
    [
      'iam:PassRole',
      'arn:aws:iam::1:role/r',
      { 'iam:PassedToService': 'ec2.amazonaws.com' },
      false
    ],
    // A condition key the request lacks does not hold.
    ['iam:PassRole', 'arn:aws:iam::1:role/r', {}, false]
  ])('%s on %s %j: %s', (action, resource, context, expected) => {
    expect(allows(policy, action, resource, context)).toBe(expected)
  })

  it('refuses what it cannot evaluate instead of guessing', () => {
    expect(() =>
      allows(
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'x:Y',
              Resource: '*',
              Condition: { ArnLike: { 'aws:SourceArn': 'a' } }
            }
          ]
        },
        'x:Y',
        'r'
      )
    ).toThrow(/ArnLike is not supported/)
    expect(() =>
      allows(
        {
          Statement: [
            { Effect: 'Allow', Action: 'x:Y', NotResource: 'a' } as never
          ]
        },
        'x:Y',
        'r'
      )
    ).toThrow(/NotResource/)
  })
})

describe('trustsSubject', () => {
  const trust = (
    condition: Record<string, Record<string, string | string[]>>
  ): Policy => ({
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: {
          Federated:
            'arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com'
        },
        Condition: condition
      }
    ]
  })
  const aud = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }

  it.each([
    [
      {
        StringEquals: {
          ...aud,
          'token.actions.githubusercontent.com:sub':
            'repo:o/r:ref:refs/heads/main'
        }
      },
      'repo:o/r:ref:refs/heads/main',
      true
    ],
    [
      {
        StringEquals: {
          ...aud,
          'token.actions.githubusercontent.com:sub':
            'repo:o/r:ref:refs/heads/main'
        }
      },
      'repo:o/r:environment:production',
      false
    ],
    [
      {
        StringEquals: {
          ...aud,
          'token.actions.githubusercontent.com:sub': [
            'repo:o/r:ref:refs/heads/main',
            'repo:o/r:environment:production'
          ]
        }
      },
      'repo:o/r:environment:production',
      true
    ],
    [
      {
        StringEquals: aud,
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:o/r:*' }
      },
      'repo:o/r:pull_request',
      true
    ],
    [
      {
        StringEquals: aud,
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:o/r:*' }
      },
      'repo:o/other:pull_request',
      false
    ],
    // Another audience than the one configure-aws-credentials asks for.
    [
      {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'api://x',
          'token.actions.githubusercontent.com:sub': 'repo:o/r:pull_request'
        }
      },
      'repo:o/r:pull_request',
      false
    ]
  ])('%j trusts %s: %s', (condition, subject, expected) => {
    expect(trustsSubject(trust(condition), subject)).toBe(expected)
  })

  it('needs a Federated principal', () => {
    const byService: Policy = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Service: 'lambda.amazonaws.com' }
        }
      ]
    }
    expect(trustsSubject(byService, 'repo:o/r:pull_request')).toBe(false)
  })
})
