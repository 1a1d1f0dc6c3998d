/**
 * Input reading ends here: the validated, flat inputs become a RunSpec, one
 * case per mode, so that later code names only what its mode has (an alias
 * release has a name, a preview has a pull request) and an impossible
 * combination cannot be written. Pure.
 */
import type {
  ImageSource,
  Inputs,
  PreviewTarget,
  Release,
  RunSpec
} from './types.js'

/** The flat Inputs as one RunSpec; the readers have refused what cannot be. */
export function runSpec(inputs: Inputs): RunSpec {
  const {
    mode,
    alias,
    canary,
    publish,
    source,
    pullRequest,
    preview,
    isolation,
    ...common
  } = inputs
  if (mode !== 'deploy') {
    if (preview === undefined || pullRequest === undefined)
      throw new Error(
        'mode preview and cleanup need a pull request number (pull-request).'
      )
    const target: PreviewTarget = { ...preview, pullRequest }
    if (mode === 'cleanup') return { ...common, mode, preview: target }
    return {
      ...common,
      mode,
      release: { kind: 'latest', publish: false },
      source: fromEcr(source),
      preview: target,
      isolation
    }
  }
  if (source.kind === 'previous') {
    if (alias === undefined)
      throw new Error('rollback-to: previous needs alias.')
    return {
      ...common,
      mode,
      release: { kind: 'alias', name: alias, canary },
      source
    }
  }
  const release: Release =
    alias !== undefined
      ? { kind: 'alias', name: alias, canary }
      : { kind: 'latest', publish }
  return { ...common, mode, release, source }
}

function fromEcr(
  source: ImageSource
): Exclude<ImageSource, { kind: 'previous' }> {
  if (source.kind === 'previous')
    throw new Error('rollback-to: previous is for mode: deploy.')
  return source
}

/**
 * The alias that serves the release, for calls that take an optional
 * qualifier (undefined: $LATEST, or for Managed Instances its published
 * version).
 */
export function releasedAlias(release: Release): string | undefined {
  return release.kind === 'alias' ? release.name : undefined
}
