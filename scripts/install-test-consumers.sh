#!/usr/bin/env bash
# Installs the test-only programs that check what the workbench writes, pinned, into DIR
# (default build/test-deps): llama.cpp through the npm package node-llama-cpp with only its
# prebuilt CPU binaries (about 80 MB, no download at run time); Debian's OpenSSH server and
# client for the remote-host tests, with Google's TOTP PAM module for the two-factor test; and
# Debian's Slurm (slurmctld, slurmd, the clients) and munge for the cluster tests, which start
# their own one-node cluster. The product itself never uses them. Skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenSSH's server and keygen for the remote-host tests (a real sshd on 127.0.0.1 with
# throwaway keys), Slurm and munge for the cluster tests. Debian starts the ssh, munge and slurm
# services when it installs them; a policy-rc.d (when none exists) keeps them from starting, so
# no SSH server is left listening on port 22 and no system-wide cluster runs.
if ! [ -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null || ! command -v slurmctld >/dev/null ||
  ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! [ -x /usr/sbin/munged ] ||
  ! [ -e /lib/x86_64-linux-gnu/security/pam_google_authenticator.so ]; then
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
    slurmctld slurmd slurm-client munge libpam-google-authenticator
  [ -z "$policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi
# The two-factor test's PAM service: only an sshd the test starts under this name uses it (sshd's
# PAM service is the name it runs as); the system's sshd and every other service are untouched.
# The TOTP secret is the test's, in a folder it makes; a used code is refused (DISALLOW_REUSE).
pam=/etc/pam.d/r1wb-test-sshd-2fa
pam_text='# R1 Workbench tests only (scripts/install-test-consumers.sh): sshd run as r1wb-test-sshd-2fa asks a TOTP code
auth required pam_google_authenticator.so secret=/tmp/r1wb-test-2fa/${USER}/google_authenticator
account required pam_permit.so
session required pam_permit.so'
if [ "$(cat "$pam" 2>/dev/null)" != "$pam_text" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  printf '%s\n' "$pam_text" | $sudo tee "$pam" >/dev/null
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
