/**
 * A run asks some questions more than once (how is the function reached? —
 * for the app preflight, the pre-traffic check and the smoke test). Each
 * answer is fetched once per run and shared; failures are shared too.
 */
export type ReadOnce = <T>(key: string, load: () => Promise<T>) => Promise<T>

export function readOnce(): ReadOnce {
  const answers = new Map<string, Promise<unknown>>()
  return <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let answer = answers.get(key) as Promise<T> | undefined
    if (answer === undefined) {
      answer = load()
      answers.set(key, answer)
    }
    return answer
  }
}

/** No sharing: every read is made. */
export const EVERY_TIME: ReadOnce = <T>(_key: string, load: () => Promise<T>) =>
  load()
