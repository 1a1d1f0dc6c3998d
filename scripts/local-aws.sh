#!/usr/bin/env bash
# Local AWS stand-in for end-to-end tests of the action: a Docker engine, a real registry
# (docker-registry), moto (AWS control plane) and test/local-aws/gateway.ts in front of them
# (ECR + Lambda + Function URL behaviour moto lacks). Loopback only, no internet needed.
#
#   scripts/local-aws.sh up       start everything (idempotent; installs Debian packages as root)
#   scripts/local-aws.sh down     stop what `up` started (by recorded PIDs) and remove its containers
#   scripts/local-aws.sh env      print `export` lines for tests:  eval "$(scripts/local-aws.sh env)"
#   scripts/local-aws.sh status   print what runs; exit 0 only when everything answers
#
# Environment: LOCAL_AWS_STATE (/tmp/aspnet-lambda-deploy-local-aws), LOCAL_AWS_PORT (4566, gateway),
# LOCAL_AWS_MOTO_PORT (4567), LOCAL_AWS_REGISTRY_PORT (4568), LOCAL_AWS_UPDATE_MS (1500, Lambda
# update duration), LOCAL_AWS_ARM64 (1: install qemu-user-static and register it in binfmt_misc so
# arm64 images run on an amd64 host; 0: do not).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LOCAL_AWS_STATE:-/tmp/aspnet-lambda-deploy-local-aws}"
PORT="${LOCAL_AWS_PORT:-4566}"
MOTO_PORT="${LOCAL_AWS_MOTO_PORT:-4567}"
REGISTRY_PORT="${LOCAL_AWS_REGISTRY_PORT:-4568}"
ARM64="${LOCAL_AWS_ARM64:-1}"
DEBIAN_DOCKER=/usr/bin/docker
# The gateway labels its containers with its own port: down removes only this stand-in's.
LABEL=aspnet-lambda-deploy.local=$PORT
BINFMT=/proc/sys/fs/binfmt_misc

log() { echo "local-aws: $*" >&2; }
die() { log "error: $*"; exit 1; }

docker_cli() {
  if [[ -x $DEBIAN_DOCKER ]]; then echo "$DEBIAN_DOCKER"; else command -v docker || true; fi
}

# --- processes -------------------------------------------------------------------------------

# pid_alive NAME: the pid recorded in $STATE/NAME.pid runs and its command line still matches.
pid_alive() {
  local f="$STATE/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# start_bg NAME CMD...: run CMD in its own session, output to $STATE/NAME.log, pid to $STATE/NAME.pid.
start_bg() {
  local name=$1
  shift
  rm -f "$STATE/$name.pid"
  # The started process records its own pid (setsid may fork), then becomes CMD.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$STATE/$name.pid" "$@" \
    >>"$STATE/$name.log" 2>&1 </dev/null 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $STATE/$name.pid ]] && return 0
    sleep 0.02
  done
  die "$name did not start"
}

# stop_pid NAME PATTERN [SECONDS]: TERM the recorded process (and its process group), then KILL.
stop_pid() {
  local name=$1 pattern=$2 wait=${3:-10} pid i
  if pid_alive "$name" "$pattern"; then
    pid=$(cat "$STATE/$name.pid")
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in ${wait}s, killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$STATE/$name.pid"
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME PATTERN URL SECONDS
wait_for() {
  local name=$1 pattern=$2 url=$3 secs=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    http_ok "$url" && return 0
    if ! pid_alive "$name" "$pattern"; then
      tail -n 30 "$STATE/$name.log" >&2 || true
      die "$name exited while starting (log: $STATE/$name.log)"
    fi
    sleep 0.1
  done
  tail -n 30 "$STATE/$name.log" >&2 || true
  die "$name did not answer at $url within ${secs}s (log: $STATE/$name.log)"
}

# --- packages --------------------------------------------------------------------------------

missing_packages() {
  local -a miss=()
  [[ -x $DEBIAN_DOCKER && -x /usr/sbin/dockerd ]] || miss+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || miss+=(docker-registry)
  pkg_installed busybox-static || miss+=(busybox-static)
  command -v skopeo >/dev/null 2>&1 || miss+=(skopeo)
  command -v curl >/dev/null 2>&1 || miss+=(curl)
  # A real forward proxy for e2e/proxy.test.ts (the binary only: no service starts).
  command -v tinyproxy >/dev/null 2>&1 || miss+=(tinyproxy-bin)
  if [[ $ARM64 == 1 && $(uname -m) == x86_64 && ! -x /usr/bin/qemu-aarch64-static ]]; then miss+=(qemu-user-static); fi
  echo "${miss[@]}"
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

is_debian() { [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1; }

ensure_packages() {
  local miss
  miss=$(missing_packages)
  [[ -z $miss ]] && return 0
  if [[ $(id -u) -ne 0 ]] || ! is_debian; then
    die "missing: $miss. Install them (Debian: sudo apt-get install -y $miss) or run this script as root on Debian."
  fi
  log "installing: $miss"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! apt-get install -y --no-install-recommends $miss >"$STATE/apt.log" 2>&1; then
    apt-get update >>"$STATE/apt.log" 2>&1 || true
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $miss >>"$STATE/apt.log" 2>&1 ||
      { tail -n 20 "$STATE/apt.log" >&2; die "apt-get install $miss failed (log: $STATE/apt.log)"; }
  fi
}

# A genuine arm64 busybox for arm64 test images (test/local-aws/images.ts), from Debian's
# busybox-static:arm64 package, fetched with a private apt state (the system's apt config is untouched).
ensure_arm64_busybox() {
  local dir="$STATE/busybox/arm64" apt="$STATE/apt-arm64" deb
  [[ -x $dir/busybox ]] && return 0
  is_debian || return 0
  mkdir -p "$dir" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/dl"
  local -a o=(-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Architecture=arm64
    -o APT::Architectures::=arm64 -o Debug::NoDropPrivs=true -o APT::Sandbox::User=root)
  if apt-get "${o[@]}" update >"$STATE/apt-arm64.log" 2>&1 &&
    (cd "$apt/dl" && apt-get "${o[@]}" download busybox-static:arm64 >>"$STATE/apt-arm64.log" 2>&1); then
    deb=$(ls "$apt"/dl/busybox-static_*_arm64.deb 2>/dev/null | head -n 1)
    if [[ -n $deb ]]; then
      rm -rf "$apt/x" && dpkg-deb -x "$deb" "$apt/x" && cp "$apt/x/bin/busybox" "$dir/busybox" && chmod 755 "$dir/busybox"
    fi
  fi
  rm -rf "$apt"
  [[ -x $dir/busybox ]] || log "warning: no arm64 busybox (see $STATE/apt-arm64.log); arm64 test images will carry the host's amd64 busybox"
}

# Register qemu-aarch64 in binfmt_misc (flag F: works inside containers) so arm64 images run here.
ensure_binfmt() {
  [[ $ARM64 == 1 && $(uname -m) == x86_64 ]] || return 0
  [[ -x /usr/bin/qemu-aarch64-static ]] || return 0
  [[ $(id -u) -eq 0 ]] || return 0
  if [[ ! -e $BINFMT/register ]]; then
    mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null || { log "warning: cannot mount binfmt_misc; arm64 images will not run"; return 0; }
  fi
  [[ -e $BINFMT/qemu-aarch64 ]] && return 0
  local conf=/usr/lib/binfmt.d/qemu-aarch64.conf line
  if [[ -r $conf ]]; then
    line=$(grep -v '^#' "$conf" | head -n 1)
  else
    line=':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F'
  fi
  [[ $line == *:F || $line == *F ]] || line="${line}F"
  if echo "$line" >"$BINFMT/register" 2>/dev/null; then
    touch "$STATE/binfmt-registered"
    log "registered qemu-aarch64 in binfmt_misc"
  else
    log "warning: could not register qemu-aarch64 in binfmt_misc; arm64 images will not run"
  fi
}

# --- services --------------------------------------------------------------------------------

ensure_dockerd() {
  local cli
  cli=$(docker_cli)
  if [[ -n $cli ]] && "$cli" info >/dev/null 2>&1; then return 0; fi
  if [[ $(id -u) -ne 0 ]]; then
    die "no Docker engine answers. Start one (or run this script as root on Debian: it installs docker.io and starts dockerd)."
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found after installing docker.io"
  if pid_alive dockerd dockerd; then
    log "dockerd (pid $(cat "$STATE/dockerd.pid")) is starting"
  else
    log "starting dockerd (log: $STATE/dockerd.log)"
    start_bg dockerd dockerd
  fi
  cli=$(docker_cli)
  local i
  for ((i = 0; i < 600; i++)); do
    "$cli" info >/dev/null 2>&1 && return 0
    pid_alive dockerd dockerd || { tail -n 30 "$STATE/dockerd.log" >&2; die "dockerd exited (log: $STATE/dockerd.log)"; }
    sleep 0.1
  done
  die "dockerd did not answer within 60s (log: $STATE/dockerd.log)"
}

ensure_registry() {
  local url="http://127.0.0.1:$REGISTRY_PORT/v2/"
  if pid_alive registry docker-registry && http_ok "$url"; then return 0; fi
  stop_pid registry docker-registry 5
  port_busy "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by another process (set LOCAL_AWS_REGISTRY_PORT)"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
EOF
  start_bg registry docker-registry serve "$STATE/registry.yml"
  wait_for registry docker-registry "$url" 30
}

ensure_moto() {
  local url="http://127.0.0.1:$MOTO_PORT/moto-api/data.json"
  if pid_alive moto moto.server && http_ok "$url"; then return 0; fi
  stop_pid moto moto.server 5
  python3 -c 'import moto.server' 2>/dev/null ||
    die "python3 cannot import moto.server (elsewhere: pip install 'moto[server]')"
  port_busy "$MOTO_PORT" && die "port $MOTO_PORT is taken by another process (set LOCAL_AWS_MOTO_PORT)"
  # The gateway validates Lambda image URIs itself (moto's check splits on ':' and uses only the
  # last path segment), so moto's ECR stub stays on.
  start_bg moto env MOTO_LAMBDA_STUB_ECR=true python3 -m moto.server -H 127.0.0.1 -p "$MOTO_PORT"
  wait_for moto moto.server "$url" 60
}

ensure_gateway() {
  local url="http://127.0.0.1:$PORT/_local/health"
  if pid_alive gateway gateway.ts && http_ok "$url"; then return 0; fi
  stop_pid gateway gateway.ts 5
  [[ -f $ROOT/node_modules/tsx/package.json ]] || die "node_modules missing: run npm ci in $ROOT"
  port_busy "$PORT" && die "port $PORT is taken by another process (set LOCAL_AWS_PORT)"
  (
    cd "$ROOT"
    export LOCAL_AWS_PORT="$PORT" LOCAL_AWS_MOTO_PORT="$MOTO_PORT" LOCAL_AWS_REGISTRY_PORT="$REGISTRY_PORT"
    export LOCAL_AWS_REGISTRY_DIR="$STATE/registry" LOCAL_AWS_DOCKER="$(docker_cli)"
    export NODE_NO_WARNINGS=1
    unset AWS_ENDPOINT_URL NODE_OPTIONS
    # The same Node as the action and the tests (.node-version).
    . "$ROOT/scripts/use-node.sh" || exit 1
    start_bg gateway node --import tsx "$ROOT/test/local-aws/gateway.ts"
  )
  wait_for gateway gateway.ts "$url" 60
}

ensure_shims() {
  mkdir -p "$STATE/bin"
  if [[ -x $DEBIAN_DOCKER ]]; then ln -sfn "$DEBIAN_DOCKER" "$STATE/bin/docker"; fi
}

# --- commands --------------------------------------------------------------------------------

cmd_up() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another local-aws.sh holds $STATE/.lock"
  local t0=$SECONDS
  ensure_packages
  ensure_binfmt
  ensure_arm64_busybox
  ensure_shims
  ensure_dockerd
  ensure_registry
  ensure_moto
  ensure_gateway
  log "up in $((SECONDS - t0))s: gateway http://127.0.0.1:$PORT, moto :$MOTO_PORT, registry :$REGISTRY_PORT (state $STATE)"
}

cmd_down() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another local-aws.sh holds $STATE/.lock"
  stop_pid gateway gateway.ts 15
  stop_pid moto moto.server 5
  stop_pid registry docker-registry 5
  local cli ids
  cli=$(docker_cli)
  if [[ -n $cli ]] && "$cli" info >/dev/null 2>&1; then
    ids=$("$cli" ps -aq --filter "label=$LABEL" 2>/dev/null || true)
    if [[ -n $ids ]]; then
      log "removing containers: $(echo "$ids" | tr '\n' ' ')"
      # shellcheck disable=SC2086
      "$cli" rm -f $ids >/dev/null 2>&1 || true
    fi
    # Images built for / pulled from the stand-in's registries (tagged 127.0.0.1:<port>/...).
    ids=$("$cli" images --format '{{.Repository}} {{.ID}}' 2>/dev/null |
      awk -v a="127.0.0.1:$PORT/" -v b="127.0.0.1:$REGISTRY_PORT/" 'index($1, a) == 1 || index($1, b) == 1 { print $2 }' | sort -u)
    if [[ -n $ids ]]; then
      log "removing $(echo "$ids" | wc -l) stand-in images"
      # shellcheck disable=SC2086
      "$cli" rmi -f $ids >/dev/null 2>&1 || true
    fi
  fi
  stop_pid dockerd dockerd 30
  if [[ -f $STATE/binfmt-registered ]]; then
    [[ -e $BINFMT/qemu-aarch64 ]] && echo -1 >"$BINFMT/qemu-aarch64" 2>/dev/null || true
    rm -f "$STATE/binfmt-registered"
    log "unregistered qemu-aarch64 from binfmt_misc"
  fi
  rm -rf "$STATE/registry"
  log "down"
}

cmd_env() {
  ensure_shims 2>/dev/null || true
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export DOCKER_BUILDKIT=1
export PATH="$STATE/bin:\${PATH}"
export LOCAL_AWS_CONTROL=http://127.0.0.1:$PORT/_local
export LOCAL_AWS_REGISTRY=127.0.0.1:$REGISTRY_PORT
export LOCAL_AWS_STATE=$STATE
EOF
}

cmd_status() {
  local ok=0 cli
  cli=$(docker_cli)
  if [[ -n $cli ]] && "$cli" info >/dev/null 2>&1; then
    if pid_alive dockerd dockerd; then echo "dockerd: running (pid $(cat "$STATE/dockerd.pid"), started by local-aws)"; else echo "dockerd: running (not started by local-aws)"; fi
  else
    echo "dockerd: not answering"
    ok=1
  fi
  local name pattern url
  while read -r name pattern url; do
    if pid_alive "$name" "$pattern" && http_ok "$url"; then
      echo "$name: running (pid $(cat "$STATE/$name.pid")) $url"
    else
      echo "$name: not running"
      ok=1
    fi
  done <<EOF
registry docker-registry http://127.0.0.1:$REGISTRY_PORT/v2/
moto moto.server http://127.0.0.1:$MOTO_PORT/moto-api/data.json
gateway gateway.ts http://127.0.0.1:$PORT/_local/health
EOF
  if [[ -e $BINFMT/qemu-aarch64 ]]; then echo "arm64 emulation: qemu-aarch64 registered"; else echo "arm64 emulation: not available"; fi
  if [[ -n $cli ]] && "$cli" info >/dev/null 2>&1; then
    echo "containers: $("$cli" ps -q --filter "label=$LABEL" | wc -l)"
  fi
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|env|status" >&2
    exit 2
    ;;
esac
