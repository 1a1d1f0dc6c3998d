/**
 * The Dockerfile as the app check reads it (pure): its stages, their
 * instructions in exec form, the final stage, and a .NET runtime hard-coded
 * into a RUN.
 */

export interface Stage {
  from: string
  name: string | undefined
  entrypoint: string | undefined
  cmd: string[] | undefined
  runs: string[]
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { keyword: string; args: string }[] {
  const out: { keyword: string; args: string }[] = []
  let current = ''
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (current === '' && (line === '' || line.startsWith('#'))) continue
    if (line.startsWith('#')) continue
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `
      continue
    }
    current += line
    const match = /^(\w+)\s*(.*)$/s.exec(current)
    if (match !== null) {
      out.push({
        keyword: (match[1] ?? '').toUpperCase(),
        args: match[2] ?? ''
      })
    }
    current = ''
  }
  return out
}

function execForm(args: string): string[] {
  try {
    const parsed = JSON.parse(args) as unknown
    if (
      Array.isArray(parsed) &&
      parsed.every(item => typeof item === 'string')
    ) {
      return parsed
    }
  } catch {
    // Shell form: /bin/sh -c "<args>".
  }
  return ['/bin/sh', '-c', args]
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter(word => !word.startsWith('--'))
      const as = words.findIndex(word => word.toUpperCase() === 'AS')
      stages.push({
        from: words[0] ?? '',
        name: as >= 0 ? words[as + 1]?.toLowerCase() : undefined,
        entrypoint: undefined,
        cmd: undefined,
        runs: []
      })
      continue
    }
    const stage = stages.at(-1)
    if (stage === undefined) continue
    if (keyword === 'ENTRYPOINT') stage.entrypoint = args
    if (keyword === 'CMD') stage.cmd = execForm(args)
    if (keyword === 'RUN') stage.runs.push(args)
  }
  return stages
}

/** The final stage, with ENTRYPOINT/CMD/base inherited through stage names. */
export function finalStage(
  stages: Stage[],
  target?: string
): Stage | undefined {
  const index =
    target === undefined
      ? stages.length - 1
      : stages.findIndex(stage => stage.name === target.toLowerCase())
  let stage = stages[index]
  if (stage === undefined) return undefined
  const resolved: Stage = { ...stage }
  for (let hops = 0; hops < stages.length; hops++) {
    const parent = stages.find(s => s.name === stage?.from.toLowerCase())
    if (parent === undefined) break
    resolved.from = parent.from
    resolved.entrypoint ??= parent.entrypoint
    resolved.cmd ??= parent.cmd
    stage = parent
  }
  return resolved
}

export const AWS_DOTNET_IMAGE =
  /^(?:public\.ecr\.aws\/lambda\/dotnet|amazon\/aws-lambda-dotnet)(?::|@|$)/

/** `-r linux-x64`, `--runtime=linux-arm64`, `-a x64`, `--arch arm64` in RUN lines. */
export function hardCodedRuntime(run: string): 'x64' | 'arm64' | undefined {
  const rid =
    /(?:^|\s)(?:-r|--runtime)(?:\s+|=)(?:linux(?:-musl)?-)(x64|arm64)\b/.exec(
      run
    )
  const arch = /(?:^|\s)(?:-a|--arch)(?:\s+|=)(x64|arm64|amd64)\b/.exec(run)
  const value = rid?.[1] ?? arch?.[1]
  if (value === undefined) return undefined
  return value === 'arm64' ? 'arm64' : 'x64'
}
