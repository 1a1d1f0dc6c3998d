/**
 * The "app" in every image: what it answers a request, by image digest and
 * path (the tests script the answers per image).
 */

/** What the app of one image answers a request: an HTTP answer, or a crash. */
export type Answer =
  { status: number; body: string } | { errorType: string; errorMessage: string }

export const HEALTHY: Answer = { status: 200, body: 'Healthy' }
/** The only route the fake app serves (the tests' smoke-path). */
export const HEALTH_PATH = '/health'

/** The next of scripted answers, in turn; the last repeats. */
export const next = <T>(list: T[] | undefined, fallback: T): T =>
  (list !== undefined && list.length > 1 ? list.shift() : list?.[0]) ?? fallback

/** The request path in an HTTP API, REST API or ALB event. */
export function pathOf(event: Record<string, unknown>): string | undefined {
  const path = event.rawPath ?? event.path
  return typeof path === 'string' ? path : undefined
}

/** What the app of the image `digest` answers at `path`. */
export type App = (
  digest: string | undefined,
  path: string | undefined
) => Answer

/** The app of every image: `answers` by digest, HEALTHY by default. */
export const appOf =
  (answers: Map<string, Answer[]>): App =>
  (digest, path) =>
    path !== HEALTH_PATH
      ? { status: 404, body: '' }
      : next(answers.get(digest ?? ''), HEALTHY)
