#!/usr/bin/env bash
# Installs the test-only programs that check what the workbench writes, pinned, into DIR
# (default build/test-deps): llama.cpp through the npm package node-llama-cpp with only its
# prebuilt CPU binaries (about 80 MB, no download at run time). The product itself never
# uses them. Skips what is already there at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build/test-deps}/llama-cpp"
version=3.21.1
manifest="$dir/node_modules/node-llama-cpp/package.json"
if [ -f "$manifest" ] && grep -q "\"version\": \"$version\"" "$manifest"; then
  echo "install-test-consumers: node-llama-cpp $version present"
  exit 0
fi
if ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nodejs npm
fi
mkdir -p "$dir"
cd "$dir"
printf '{ "private": true, "type": "module" }\n' > package.json
npm install --save-exact --ignore-scripts --omit=optional --no-audit --no-fund \
  "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version"
echo "install-test-consumers: node-llama-cpp $version in $dir"
