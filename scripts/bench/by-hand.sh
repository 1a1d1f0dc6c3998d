#!/usr/bin/env bash
# The same pipeline the way people write it by hand in a workflow step: the
# baseline `npm run bench` compares the action with.
#   by-hand.sh FUNCTION REPOSITORY_URI TAG CONTEXT URL
set -euo pipefail
function_name=$1 repository_uri=$2 tag=$3 context=$4 url=$5
registry=${repository_uri%%/*}

aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
docker build --platform linux/amd64 -t "$repository_uri:$tag" "$context"
docker push "$repository_uri:$tag"
aws lambda update-function-code --function-name "$function_name" \
  --image-uri "$repository_uri:$tag" >/dev/null
aws lambda wait function-updated-v2 --function-name "$function_name"
curl -fsS --retry 5 --retry-all-errors "$url" >/dev/null
