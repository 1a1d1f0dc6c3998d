/**
 * Build contexts for tiny test "apps": FROM scratch images holding a static busybox and a shell
 * runtime that speaks Lambda's Runtime API (./app-runtime/bootstrap, in the shape of AWS's
 * custom-runtime tutorial): each event becomes an HTTP request to the app's pages, served in-process
 * by busybox httpd (inetd mode), and the answer goes back in the event source's shape, as ASP.NET
 * Core's AddAWSLambdaHosting does. Run without a Runtime API (plain `docker run`), the same image
 * serves HTTP on port 8080.
 *
 *   makeAppContext(dir, { body: 'hello' })          200 + body at / (busybox httpd)
 *   makeAppContext(dir, { status: 500, body: 'x' })  answers 500 on every path (a broken release)
 *   makeAppContext(dir, { status: 500, exceptionLog: 'boom' })
 *                                                   ... and writes an ASP.NET Core unhandled-exception
 *                                                   log entry to stderr on every request
 *   makeAppContext(dir, { startupLog: ['line'] })   writes these lines to stderr once at start-up
 *   makeAppContext(dir, { echo: true })             also serves /cgi-bin/echo (see AppOptions.echo)
 *   makeAppContext(dir, { streaming: true })        answers as a streaming app (AppOptions.streaming)
 *
 * The busybox binaries are copied from the host at test time (never committed): the host's
 * /bin/busybox (Debian busybox-static, amd64 here) and, for arm64, the genuine arm64 busybox that
 * scripts/local-aws.sh fetches into $LOCAL_AWS_STATE/busybox/arm64/ (when missing, the host's
 * binary is used for arm64 too: the image config still says arm64, the binary does not).
 * The Dockerfile picks the binary by BuildKit's TARGETARCH, so `docker build --platform
 * linux/arm64` (BuildKit or buildx) yields a real arm64 image without emulation at build time.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  writeFileSync
} from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface AppOptions {
  /** HTTP status for every request. 200 (default) serves files with busybox httpd. */
  status?: number
  /** Body served at / (and on every path when status is not 200). */
  body?: string
  /** Extra files under the web root for status 200, e.g. { 'health': 'ok' }. */
  files?: Record<string, string>
  /**
   * Add a Lambda extension /opt/extensions/<name> built from the amd64 or arm64 busybox,
   * whatever the image's platform (an extension copied for the wrong CPU).
   */
  extension?: { name: string; arch: 'amd64' | 'arm64' }
  /**
   * Only with status != 200: on every request, write to stderr what ASP.NET Core logs for an
   * unhandled exception, with this message:
   *   fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]
   *         An unhandled exception has occurred while executing the request.
   *         System.InvalidOperationException: <exceptionLog>
   */
  exceptionLog?: string
  /** Lines written to stderr once when the container starts (e.g. an extension's init error). */
  startupLog?: string[]
  /**
   * Only with status 200: serve /cgi-bin/echo[/...], a CGI script that answers
   * 200 application/json {"method","uri","query","cookie","xTest","contentType","bodyBase64"}
   * (uri: path and query as received; xTest: the X-Test header) with the response headers
   * `X-Echo: yes`, `Set-Cookie: a=1; Path=/` and `Set-Cookie: b=2`.
   */
  echo?: boolean
  /**
   * Only with status 200: executable scripts /www/cgi-bin/<name>, run by busybox httpd as CGI
   * (output that starts with `HTTP/1.1 <status> <reason>` sets the status): an app that answers
   * some paths with 500 while its health path stays 200.
   */
  cgi?: Record<string, string>
  /**
   * Build secrets the Dockerfile reads with `RUN --mount=type=secret,id=<id>`
   * (BuildKit): for each id, /www/secret-<id> serves the sha256 of what the
   * build saw, proving the secret reached the build without the image keeping it.
   */
  buildSecrets?: string[]
  /**
   * Put /var/task/<app>.runtimeconfig.json in the image, as the publish
   * output of a framework-dependent ASP.NET Core app on that .NET version
   * (e.g. '10.0.1') has it: what the image preflight reads to tell which .NET
   * the app runs on. The image is still busybox serving HTTP.
   */
  dotnet?: { app: string; version: string }
  /**
   * Label the image `local-aws.response-streaming=true` and make its runtime answer as an ASP.NET
   * Core app hosted with `EnableResponseStreaming = true`: each answer is Lambda's HTTP
   * integration stream (JSON prelude, 8 NUL bytes, body) posted in the streaming response mode,
   * for Invoke, InvokeWithResponseStream and Function URLs alike (gateway/response-stream.ts).
   */
  streaming?: boolean
  /**
   * Add /opt/extensions/<name>: a busybox shell extension with the seed's lifecycle (register
   * INVOKE and SHUTDOWN, loop on event/next, exit on SHUTDOWN; ./app-runtime/extension).
   */
  lifecycleExtension?: string
}

/** The runtime's files (./app-runtime), copied to /var/runtime in the image. */
const RUNTIME_FILES = ['bootstrap', 'json.awk', 'request.awk', 'answer.awk']
const APP_RUNTIME_DIR = fileURLToPath(
  new URL('./app-runtime/', import.meta.url)
)

/** The image's ENTRYPOINT: the runtime (through busybox, so a wrong-CPU image fails on it). */
export const APP_ENTRYPOINT = ['/bin/busybox', 'sh', '/var/runtime/bootstrap']

const ECHO_CGI = `#!/bin/busybox sh
body=$(/bin/busybox head -c "\${CONTENT_LENGTH:-0}" | /bin/busybox base64 -w 0)
printf 'Content-Type: application/json\\r\\nX-Echo: yes\\r\\nSet-Cookie: a=1; Path=/\\r\\nSet-Cookie: b=2\\r\\n\\r\\n'
printf '{"method":"%s","uri":"%s","query":"%s","cookie":"%s","xTest":"%s","contentType":"%s","bodyBase64":"%s"}' \\
  "$REQUEST_METHOD" "$REQUEST_URI" "$QUERY_STRING" "$HTTP_COOKIE" "$HTTP_X_TEST" "$CONTENT_TYPE" "$body"
`

/** The lines ASP.NET Core's console logger writes for an unhandled exception. */
export function aspNetUnhandledExceptionLines(message: string): string[] {
  return [
    'fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]',
    '      An unhandled exception has occurred while executing the request.',
    `      System.InvalidOperationException: ${message}`
  ]
}

const DEFAULT_STATE = '/tmp/aspnet-lambda-deploy-local-aws'

/** Path of a static busybox for an OCI architecture (amd64 | arm64). */
export function busyboxPath(arch: 'amd64' | 'arm64'): string {
  const state = process.env.LOCAL_AWS_STATE ?? DEFAULT_STATE
  const hostArch = process.arch === 'x64' ? 'amd64' : process.arch
  if (arch !== hostArch) {
    const p = path.join(state, 'busybox', arch, 'busybox')
    if (existsSync(p)) return p
  }
  if (!existsSync('/bin/busybox')) {
    throw new Error(
      '/bin/busybox not found: install busybox-static (scripts/local-aws.sh up does)'
    )
  }
  return '/bin/busybox'
}

/** The shell handler that answers `status` on every path (run by `busybox nc -ll -e`). */
function errorHandler(status: number, body: string, logs: boolean): string {
  const reason =
    status >= 500
      ? 'Internal Server Error'
      : status >= 400
        ? 'Client Error'
        : 'Status'
  const len = Buffer.byteLength(body)
  // Reads the request head (so the peer sees no reset), then writes a complete response. The
  // exception log is written for requests, not for the stand-in's readiness probe (a GET with
  // X-Local-Aws-Probe) nor for a bare connection.
  const readHead = logs
    ? `request=
probe=
while read -r line; do
  case "$line" in ""|"$CR") break ;; esac
  request=1
  case "$line" in [Xx]-[Ll]ocal-[Aa]ws-[Pp]robe:*) probe=1 ;; esac
done
[ -n "$request" ] && [ -z "$probe" ] && /bin/busybox cat /exception.log >&2
`
    : `while read -r line; do
  case "$line" in ""|"$CR") break ;; esac
done
`
  return `#!/bin/busybox sh
CR=$(printf '\\r')
${readHead}printf 'HTTP/1.1 ${status} ${reason}\\r\\nContent-Type: text/plain\\r\\nContent-Length: ${len}\\r\\nConnection: close\\r\\n\\r\\n'
/bin/busybox cat /www/body
`
}

/**
 * Write a build context into `dir` (created if needed): Dockerfile, busybox-amd64, busybox-arm64,
 * www/. Returns `dir`.
 */
export function makeAppContext(dir: string, opts: AppOptions = {}): string {
  const status = opts.status ?? 200
  const body = opts.body ?? 'hello from the local stand-in\n'
  mkdirSync(path.join(dir, 'www'), { recursive: true })
  mkdirSync(path.join(dir, 'runtime'), { recursive: true })
  copyFileSync(busyboxPath('amd64'), path.join(dir, 'busybox-amd64'))
  copyFileSync(busyboxPath('arm64'), path.join(dir, 'busybox-arm64'))
  chmodSync(path.join(dir, 'busybox-amd64'), 0o755)
  chmodSync(path.join(dir, 'busybox-arm64'), 0o755)
  for (const file of RUNTIME_FILES) {
    copyFileSync(
      path.join(APP_RUNTIME_DIR, file),
      path.join(dir, 'runtime', file)
    )
    chmodSync(path.join(dir, 'runtime', file), 0o755)
  }
  if (opts.streaming === true)
    writeFileSync(path.join(dir, 'runtime', 'streaming'), '')
  const exceptionLog = status !== 200 && opts.exceptionLog !== undefined
  if (status === 200) {
    writeFileSync(path.join(dir, 'www', 'index.html'), body)
    for (const [name, content] of Object.entries(opts.files ?? {})) {
      const p = path.join(dir, 'www', name)
      mkdirSync(path.dirname(p), { recursive: true })
      writeFileSync(p, content)
    }
    for (const [name, script] of Object.entries(opts.cgi ?? {})) {
      mkdirSync(path.join(dir, 'www', 'cgi-bin'), { recursive: true })
      writeFileSync(path.join(dir, 'www', 'cgi-bin', name), script, {
        mode: 0o755
      })
    }
    if (opts.echo) {
      mkdirSync(path.join(dir, 'www', 'cgi-bin'), { recursive: true })
      writeFileSync(path.join(dir, 'www', 'cgi-bin', 'echo'), ECHO_CGI, {
        mode: 0o755
      })
    }
  } else {
    writeFileSync(path.join(dir, 'www', 'body'), body)
    writeFileSync(
      path.join(dir, 'handler'),
      errorHandler(status, body, exceptionLog),
      { mode: 0o755 }
    )
  }
  const extraFiles: string[] = []
  if (exceptionLog) {
    writeFileSync(
      path.join(dir, 'exception.log'),
      aspNetUnhandledExceptionLines(opts.exceptionLog ?? '').join('\n') + '\n'
    )
    extraFiles.push('COPY exception.log /exception.log')
  }
  if (opts.dotnet !== undefined) {
    const config = `${opts.dotnet.app}.runtimeconfig.json`
    const tfm = `net${opts.dotnet.version.split('.').slice(0, 2).join('.')}`
    writeFileSync(
      path.join(dir, config),
      JSON.stringify(
        {
          runtimeOptions: {
            tfm,
            frameworks: [
              { name: 'Microsoft.NETCore.App', version: opts.dotnet.version },
              { name: 'Microsoft.AspNetCore.App', version: opts.dotnet.version }
            ]
          }
        },
        null,
        2
      ) + '\n'
    )
    extraFiles.push(`COPY ${config} /var/task/${config}`)
  }
  if (opts.startupLog !== undefined) {
    // The runtime prints these lines once (stderr) when it starts.
    writeFileSync(
      path.join(dir, 'startup.log'),
      opts.startupLog.map(l => `${l}\n`).join('')
    )
    extraFiles.push('COPY startup.log /startup.log')
  }
  if (opts.lifecycleExtension !== undefined) {
    copyFileSync(
      path.join(APP_RUNTIME_DIR, 'extension'),
      path.join(dir, 'lifecycle-extension')
    )
    chmodSync(path.join(dir, 'lifecycle-extension'), 0o755)
    extraFiles.push(
      `COPY lifecycle-extension /opt/extensions/${opts.lifecycleExtension}`
    )
  }
  const lines = [
    'FROM scratch',
    // BuildKit/buildx set TARGETARCH from --platform; amd64 when unset (legacy builder).
    'ARG TARGETARCH',
    'COPY busybox-${TARGETARCH:-amd64} /bin/busybox',
    'COPY runtime /var/runtime',
    'COPY www /www',
    ...(status === 200 ? [] : ['COPY handler /handler']),
    ...extraFiles,
    ...(opts.buildSecrets ?? []).map(
      id =>
        `RUN --mount=type=secret,id=${id},required=true ${JSON.stringify([
          '/bin/busybox',
          'sh',
          '-c',
          `/bin/busybox sha256sum /run/secrets/${id} | /bin/busybox cut -c1-64 > /www/secret-${id}`
        ])}`
    ),
    ...(opts.extension
      ? [
          `COPY busybox-${opts.extension.arch} /opt/extensions/${opts.extension.name}`
        ]
      : []),
    ...(opts.streaming === true
      ? ['LABEL local-aws.response-streaming="true"']
      : []),
    'EXPOSE 8080',
    `ENTRYPOINT ${JSON.stringify(APP_ENTRYPOINT)}`,
    ''
  ]
  writeFileSync(path.join(dir, 'Dockerfile'), lines.join('\n'))
  writeFileSync(path.join(dir, '.dockerignore'), '.git\n')
  return dir
}
