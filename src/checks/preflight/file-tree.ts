/**
 * The image's files as Lambda sees them: the layers merged in order
 * (whiteouts delete), and paths resolved through symbolic links.
 */
import { normalizePath } from './tar.js'
import {
  parentOf,
  type ImageFile,
  type ImageFiles,
  type LayerScan
} from './layers.js'

/**
 * The image's files with an index of each directory's children, so that
 * deleting a subtree costs what the subtree holds, not what the image holds.
 * Paths are normalized (as the tar reader makes them), so "under /a" is
 * exactly "starts with /a/".
 */
class FileTree {
  readonly files: ImageFiles = new Map()
  /** Paths present as files or as parents of files, by parent. */
  private readonly children = new Map<string, Set<string>>()

  set(path: string, file: ImageFile): void {
    this.files.set(path, file)
    // Link the path into the index up to the first ancestor already there.
    for (let child = path; child !== '/';) {
      const parent = parentOf(child)
      let siblings = this.children.get(parent)
      const known = siblings !== undefined
      if (siblings === undefined) {
        siblings = new Set()
        this.children.set(parent, siblings)
      }
      if (siblings.has(child)) break
      siblings.add(child)
      if (known) break
      child = parent
    }
  }

  /** Delete everything under `dir` (not `dir` itself). */
  clearUnder(dir: string): void {
    const stack = [...(this.children.get(dir) ?? [])]
    this.children.delete(dir)
    for (let path = stack.pop(); path !== undefined; path = stack.pop()) {
      this.files.delete(path)
      const below = this.children.get(path)
      if (below !== undefined) {
        // Not push(...below): a directory may hold more entries than a
        // call takes arguments.
        for (const child of below) stack.push(child)
        this.children.delete(path)
      }
    }
  }

  /** Delete `path` and everything under it. */
  remove(path: string): void {
    this.files.delete(path)
    this.clearUnder(path)
  }
}

/**
 * Stack layers bottom to top, applying OCI whiteouts: in each layer, its
 * opaque directories hide what the layers below put in them, its whiteouts
 * delete, and each of its files replaces what was at its path (a file or
 * link also everything under it; a directory keeps its contents). One pass:
 * every path is added once and deleted at most once per layer that adds it.
 */
export function mergeLayers(layers: LayerScan[]): ImageFiles {
  const tree = new FileTree()
  const { files } = tree
  for (const layer of layers) {
    for (const dir of layer.opaque) {
      // An opaque root hides the root itself too, as a prefix of "/" would.
      if (dir === '/') tree.remove('/')
      else tree.clearUnder(dir)
    }
    for (const path of layer.whiteouts) tree.remove(path)
    for (const [path, file] of layer.files) {
      if (file.type !== 'directory') tree.remove(path)
      tree.set(path, file)
    }
  }
  // A hard link's content is its target's.
  for (const [path, file] of files) {
    if (file.type !== 'hardlink' || file.linkTarget === undefined) continue
    const target = files.get(file.linkTarget)
    if (target !== undefined && target.type === 'file') {
      files.set(path, { ...target, linkTarget: file.linkTarget })
    }
  }
  return files
}

export interface Resolved {
  path: string
  file: ImageFile | undefined
}

/** Follow symlinks (in any component) the way the kernel would, up to 40 hops. */
export function resolvePath(files: ImageFiles, path: string): Resolved {
  let current = normalizePath(path)
  for (let hops = 0; hops < 40; hops++) {
    const parts = current.split('/').filter(part => part !== '')
    let prefix = ''
    let redirected = false
    for (let i = 0; i < parts.length; i++) {
      prefix = `${prefix}/${parts[i] ?? ''}`
      const file = files.get(prefix)
      if (file?.type === 'symlink' && file.linkTarget !== undefined) {
        const target = file.linkTarget.startsWith('/')
          ? file.linkTarget
          : `${parentOf(prefix)}/${file.linkTarget}`
        current = normalizePath(`${target}/${parts.slice(i + 1).join('/')}`)
        redirected = true
        break
      }
    }
    if (!redirected) return { path: current, file: files.get(current) }
  }
  return { path: current, file: undefined }
}
