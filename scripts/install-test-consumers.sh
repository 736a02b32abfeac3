#!/usr/bin/env bash
# Installs the test-only programs that check what the workbench writes, pinned, into DIR
# (default build/test-deps): llama.cpp through the npm package node-llama-cpp with only its
# prebuilt CPU binaries (about 80 MB, no download at run time); Debian's OpenSSH server and
# client for the remote-host tests; and Debian's Slurm (slurmctld, slurmd, the clients) and munge
# for the cluster tests, which start their own one-node cluster. The product itself never uses
# them. Skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenSSH's server and keygen for the remote-host tests (a real sshd on 127.0.0.1 with
# throwaway keys), Slurm and munge for the cluster tests. Debian starts the ssh, munge and slurm
# services when it installs them; a policy-rc.d (when none exists) keeps them from starting, so
# no SSH server is left listening on port 22 and no system-wide cluster runs.
if ! [ -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null || ! command -v slurmctld >/dev/null ||
  ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! [ -x /usr/sbin/munged ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends openssh-server openssh-client \
    slurmctld slurmd slurm-client munge
  [ -z "$policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi
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
