#!/usr/bin/env bash
# Unit and end-to-end tests. Brings the local AWS stand-in up (Docker engine,
# registry, moto, gateway), runs every jest project against it, stops what it
# started, and ends with "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

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

node -e '
  const fs = require("fs")
  let r = {}
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")) } catch {}
  const passed = r.numPassedTests ?? 0
  // A suite that cannot even load counts as a failure.
  const failed = (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0)
  console.log(`tests: ${passed} passed, ${failed} failed`)
' "$results"
rm -f "$results"
exit $status
