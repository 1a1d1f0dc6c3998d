import {
  describeProxy,
  proxySecrets,
  proxySettings,
  type ProxyEnv
} from './proxy.js'

/**
 * Behind a proxy: mask its credentials first, then say once which proxy the
 * run uses and what goes directly. A proxy variable the action cannot use
 * fails here, in the first phase, before any call is made.
 */
export function announceProxy(
  env: ProxyEnv,
  log: { setSecret: (secret: string) => void; info: (line: string) => void }
): void {
  const settings = proxySettings(env)
  if (settings === undefined) return
  for (const secret of proxySecrets(env, settings)) log.setSecret(secret)
  log.info(describeProxy(settings))
}
