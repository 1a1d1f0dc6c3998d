/**
 * The dry run's DryRun answer is worded once (issue 23): askedWords, shared
 * by the job summary's cell and the log's line.
 */
import { describe, expect, it } from '@jest/globals'
import {
  askedLine,
  askedWords,
  type LambdaAsked
} from '../../src/report/would-change.js'
import { renderSummary } from '../../src/report/summary.js'

const asked = (
  answer: LambdaAsked['answer'],
  substitute: LambdaAsked['substitute'],
  message?: string
): LambdaAsked => ({ answer, imageUri: 'repo@sha256:x', substitute, message })

const DENIED =
  'lambda:UpdateFunctionCode was denied (AccessDeniedException): no. Allow "lambda:UpdateFunctionCode"'

describe('askedWords: Lambda’s answer to UpdateFunctionCode with DryRun', () => {
  it.each<[string, LambdaAsked, string, string]>([
    [
      'allowed, the image a real run deploys',
      asked('allowed', undefined),
      'allowed',
      'a real run may update the code'
    ],
    [
      'allowed, asked with the image it runs (nothing pushed)',
      asked('allowed', 'not pushed'),
      'allowed (asked with the image it runs now: this dry run pushed nothing)',
      'a real run may update the code'
    ],
    [
      'allowed, asked with the image it runs (the new one archived)',
      asked('allowed', 'archived'),
      'allowed (asked with the image it runs now: the new image is archived: a real run restores it first)',
      'a real run may update the code'
    ],
    [
      'denied, with what to allow',
      asked('denied', undefined, DENIED),
      `denied: ${DENIED}`,
      'a real run would fail'
    ],
    [
      'refused, asked with the image it runs',
      asked('refused', 'not pushed', 'InvalidParameterValueException: bad'),
      'refused (asked with the image it runs now: this dry run pushed nothing): InvalidParameterValueException: bad',
      'a real run would fail'
    ],
    [
      'busy',
      asked('busy', undefined, 'ResourceConflictException: in progress'),
      'busy: ResourceConflictException: in progress',
      'permissions not checked: another update of the function is in progress'
    ]
  ])('%s', (_label, answer, words, meaning) => {
    expect(askedWords(answer)).toBe(words)
    // The log adds what the answer means for a real run, nothing else.
    expect(askedLine(answer)).toBe(
      `UpdateFunctionCode with DryRun: ${words} (${meaning})`
    )
  })

  it('the job summary’s cell and the log’s line say the same words', () => {
    for (const answer of ['allowed', 'denied', 'refused', 'busy'] as const) {
      const a = asked(
        answer,
        'not pushed',
        answer === 'allowed' ? undefined : 'why'
      )
      const summary = renderSummary({
        dryRun: true,
        functionName: 'api',
        phases: [],
        wouldChange: [
          {
            name: 'api',
            code: 'update',
            publish: false,
            traffic: 'untouched',
            from: 'a',
            to: 'b',
            text: 'would update',
            asked: a
          }
        ]
      })
      expect(summary).toContain(` ${askedWords(a)} |`)
      expect(askedLine(a)).toContain(askedWords(a))
    }
  })
})
