#!/usr/bin/env bash
# Unit and end-to-end tests. Brings the local AWS stand-in up (Docker engine,
# registry, moto, gateway), runs every jest project against it, stops what it
# started, and ends with "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
# The Node GitHub runs the action on, for jest, the bundle the e2e tests spawn, and the gateway.
. scripts/use-node.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

if [ ! -f dist/index.js ]; then
  echo "dist/index.js is missing: building it (npm run package)."
  npm run -s package || exit 1
fi

bash scripts/local-aws.sh up || { echo "tests: 0 passed, 1 failed"; exit 1; }
trap 'bash scripts/local-aws.sh down' EXIT
eval "$(bash scripts/local-aws.sh env)"

results=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 \
  npx jest --ci --json --outputFile="$results" "$@"
status=$?

# examples/infra (CDK stack and example workflow tests) is its own npm
# project with its own jest; its results count in the same total.
infra_results=$(mktemp)
if [ ! -d examples/infra/node_modules ]; then
  npm ci --prefix examples/infra --no-audit --no-fund || status=1
fi
(cd examples/infra && npx jest --ci --json --outputFile="$infra_results") || status=1

node -e '
  const fs = require("fs")
  let passed = 0
  let failed = 0
  for (const file of process.argv.slice(1)) {
    let r
    try { r = JSON.parse(fs.readFileSync(file, "utf8")) } catch {}
    // A jest run that wrote no results failed as a whole.
    if (r === undefined) { failed += 1; continue }
    passed += r.numPassedTests ?? 0
    // A suite that cannot even load counts as a failure.
    failed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0)
  }
  console.log(`tests: ${passed} passed, ${failed} failed`)
' "$results" "$infra_results"
rm -f "$results" "$infra_results"
exit $status
