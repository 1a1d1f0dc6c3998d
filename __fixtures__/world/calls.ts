/**
 * The world's call log: every call the action makes (AWS, fetch, exec) is
 * recorded in order with the @actions/core groups open at the time, and
 * `before[call]` runs first and may throw to make the call fail; `hold[call]`
 * delays the answer.
 */
import { openGroups } from '../core.js'

/** One call the action made, what it sent, and the log groups open then. */
export interface Event {
  call: string
  input: Record<string, unknown>
  /**
   * One line about the call: the image of an UpdateFunctionCode, the tag or
   * digest of a DescribeImages, the digest of a BatchGetImage, the URL of a
   * fetch, the command line of an exec; for GetFunction, the
   * LastUpdateStatus this observation saw. '' for the rest.
   */
  detail: string
  groups: string[]
}

function detailOf(call: string, input: Record<string, unknown>): string {
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : ''
  switch (call) {
    case 'lambda:UpdateFunctionCode':
      return text(input.ImageUri)
    case 'ecr:DescribeImages':
    case 'ecr:BatchGetImage': {
      const ids = input.imageIds as
        { imageTag?: string; imageDigest?: string }[] | undefined
      return text(ids?.[0]?.imageTag ?? ids?.[0]?.imageDigest)
    }
    case 'fetch':
    case 'fetch:aborted':
      return text(input.url)
    case 'exec':
      return (input.argv as string[]).join(' ')
    default:
      return ''
  }
}

/** Runs before the fake answers `call`; throw to make the call fail. */
export type Before = Record<string, (input: Record<string, unknown>) => void>
/** The answer to `call` waits until this promise resolves. */
export type Hold = Record<string, Promise<unknown>>

/** A handler that records the call and answers (or rejects) like the SDK. */
export type Handle = <I extends object, O>(
  call: string,
  answer: (input: I, event: Event) => O
) => (input: I) => Promise<O>

export interface CallLog {
  events: Event[]
  /** Record a call (running `before[call]`, which may throw). */
  record: (call: string, input: object) => Event
  handle: Handle
}

export function callLog(before: Before, hold: Hold): CallLog {
  const events: Event[] = []
  const record = (call: string, input: object): Event => {
    const copy = { ...input } as Record<string, unknown>
    const entry = {
      call,
      input: copy,
      detail: detailOf(call, copy),
      groups: openGroups()
    }
    events.push(entry)
    before[call]?.(entry.input)
    return entry
  }
  /** A handler that records the call and answers (or rejects) like the SDK. */
  const handle =
    <I extends object, O>(
      call: string,
      answer: (input: I, event: Event) => O
    ) =>
    (input: I): Promise<O> => {
      try {
        const event = record(call, input)
        const gate = hold[call]
        return gate === undefined
          ? Promise.resolve(answer(input, event))
          : gate.then(() => answer(input, event))
      } catch (error) {
        return Promise.reject(
          error instanceof Error ? error : new Error(String(error))
        )
      }
    }
  return { events, record, handle }
}

/** The queries tests make of the log (see World). */
export function callQueries(events: Event[]) {
  return {
    calls: <T = Record<string, unknown>>(call: string) =>
      events.filter(e => e.call === call).map(e => e.input as T),
    details: (call: string) =>
      events.filter(e => e.call === call).map(e => e.detail),
    order: (...calls: string[]) =>
      events.filter(e => calls.includes(e.call)).map(e => e.call),
    invokedEvents: () =>
      events
        .filter(e => e.call === 'lambda:Invoke')
        .map(
          e =>
            JSON.parse(
              Buffer.from(e.input.Payload as Uint8Array).toString('utf8')
            ) as Record<string, unknown>
        )
  }
}
