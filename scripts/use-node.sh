# Node for every step of this project: the version GitHub runs the action on (action.yml:
# `runs.using: node24`), pinned in .node-version.
#
#   . scripts/use-node.sh              put it first on PATH in this shell (sourced)
#   bash scripts/use-node.sh CMD ...   run CMD with it first on PATH
#
# When the node on PATH is of an older major than .node-version, the pinned build is installed
# once from the npm registry (the node-linux-<arch> package ships the official binary; npm
# checks its integrity) into .tools/ (gitignored), then reused. npm itself is the machine's: its
# `#!/usr/bin/env node` runs it on the node first on PATH. Messages go to stderr.

__use_node() {
  local root pin major have arch pkg dir tmp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  pin=$(tr -d ' \t\r\n' <"$root/.node-version" 2>/dev/null)
  if [[ ! $pin =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "use-node: .node-version must hold one exact version (MAJOR.MINOR.PATCH), found '$pin'" >&2
    return 1
  fi
  major=${pin%%.*}
  have=$(node -p 'process.versions.node' 2>/dev/null || true)
  if [[ -n $have && ${have%%.*} -ge $major ]]; then return 0; fi

  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) arch=x64 ;;
    Linux/aarch64 | Linux/arm64) arch=arm64 ;;
    *)
      echo "use-node: node ${have:-(none)} is older than $major and no registry build fits $(uname -s)/$(uname -m): install Node $major (nvm, fnm, or actions/setup-node with node-version-file: .node-version)" >&2
      return 1
      ;;
  esac
  pkg=node-linux-$arch
  dir="$root/.tools/node-$pin-linux-$arch"
  if [[ ! -x $dir/bin/node ]]; then
    command -v npm >/dev/null 2>&1 || {
      echo "use-node: npm is needed once to fetch $pkg@$pin" >&2
      return 1
    }
    mkdir -p "$root/.tools" || return 1
    (
      # One install at a time; a second caller waits, then finds it done.
      flock -w 300 9 || exit 1
      [[ -x $dir/bin/node ]] && exit 0
      tmp=$(mktemp -d "$root/.tools/.install.XXXXXX") || exit 1
      trap 'rm -rf "$tmp"' EXIT
      echo "use-node: node ${have:-(none)} on PATH; installing $pkg@$pin from the npm registry into .tools/" >&2
      npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
        "$pkg@$pin" >&2 || exit 1
      "$tmp/node_modules/$pkg/bin/node" --version >/dev/null || exit 1
      rm -rf "$dir" && mv "$tmp/node_modules/$pkg" "$dir"
    ) 9>"$root/.tools/.lock" || {
      echo "use-node: could not install $pkg@$pin (is the npm registry reachable?)" >&2
      return 1
    }
  fi
  export PATH="$dir/bin:$PATH"
  hash -r 2>/dev/null || true
  have=$(node -p 'process.versions.node')
  if [[ ${have%%.*} -lt $major ]]; then
    echo "use-node: node $have still first on PATH after adding $dir/bin" >&2
    return 1
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  # Executed: run the command with the pinned node first on PATH.
  __use_node || exit 1
  unset -f __use_node
  [[ $# -gt 0 ]] || { node --version; exit 0; }
  exec "$@"
else
  # Sourced: change this shell's PATH; never exit it.
  if __use_node; then unset -f __use_node; else unset -f __use_node; return 1; fi
fi
