import { withDiscoveryClients, type AwsClients } from '../../aws/clients.js'
import {
  appChecks,
  findHostingCalls,
  findResponseStreaming,
  readAppSource
} from './app.js'
import type { ReadOnce } from '../../util/read-once.js'
import type { Check } from './checks.js'
import type { Discovery } from './eventsource.js'
import type { Architecture, Inputs } from '../../inputs/types.js'

/**
 * Read the build context's source and check it; ask AWS how the function is
 * reached only when the app names an event source and event-source is unset,
 * or when the app streams its responses.
 */
export async function preflightApp(
  inputs: Pick<Inputs, 'context' | 'file' | 'target' | 'eventSource'>,
  architecture: Architecture,
  aws: { clients: AwsClients; functionArn: string; once?: ReadOnce }
): Promise<Check[]> {
  const source = await readAppSource(inputs.context, inputs.file)
  const named = findHostingCalls(source.code).some(
    call => call.eventSource !== undefined
  )
  const discoverAll = named && inputs.eventSource === undefined
  // A streaming app is compared with the Function URL's InvokeMode even
  // when event-source is set (then only the URL is asked for).
  const streams = findResponseStreaming(source.code) !== undefined
  let discovery: Discovery | undefined
  if ((discoverAll || streams) && source.projects.length > 0) {
    const { discoverReach } = await import('../reach.js')
    discovery = await discoverReach(
      await withDiscoveryClients(aws.clients),
      aws.functionArn,
      aws.once,
      !discoverAll
    )
  }
  return appChecks(source, {
    architecture,
    target: inputs.target,
    declaredEventSource: inputs.eventSource,
    discovery
  })
}
