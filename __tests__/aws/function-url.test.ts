import { describe, expect, it } from '@jest/globals'
import {
  PUBLIC_URL_STATEMENTS,
  refusedByUrlAuth,
  urlPermissionHint
} from '../../src/aws/function-url.js'

describe('urlPermissionHint', () => {
  it('names both permissions and gives the commands that add them, on the function', () => {
    const hint = urlPermissionHint('my-api', undefined)
    expect(hint).toContain(
      'allow both lambda:InvokeFunctionUrl and lambda:InvokeFunction to everyone'
    )
    expect(hint).toContain(
      "aws lambda add-permission --function-name my-api --statement-id FunctionURLAllowPublicAccess --action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE;"
    )
    expect(hint).toContain(
      "aws lambda add-permission --function-name my-api --statement-id FunctionURLAllowInvokeAction --action lambda:InvokeFunction --principal '*' --invoked-via-function-url."
    )
    expect(hint).toContain('aws lambda get-policy --function-name my-api shows')
  })

  it('on the alias the URL belongs to', () => {
    const hint = urlPermissionHint('my-api', 'live')
    expect(hint.match(/--function-name my-api --qualifier live/g)).toHaveLength(
      3
    )
  })

  it('uses the statement ids the previews add', () => {
    const hint = urlPermissionHint('f', undefined)
    for (const statement of Object.values(PUBLIC_URL_STATEMENTS))
      expect(hint).toContain(
        `--statement-id ${statement.StatementId} --action ${statement.Action}`
      )
  })
})

describe('refusedByUrlAuth', () => {
  it.each<[number, string, boolean]>([
    [
      403,
      '{"Message":"Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"}',
      true
    ],
    [403, '{"Message":"Forbidden"}', false],
    [401, 'Function URL authorization', false]
  ])('%i %s: %s', (status, body, expected) => {
    expect(refusedByUrlAuth(status, body)).toBe(expected)
  })
})
