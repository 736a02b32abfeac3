#!/usr/bin/env bash
# Installs the Debian 12 packages R1 Workbench builds and tests with; only what is missing.
# Runs as root or through sudo. Nothing is downloaded except Debian packages.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-qpa-plugins libqt6opengl6-dev libgl-dev libgl1-mesa-dri
  libimgui-dev
  libtorch-dev libgloo-dev libopenblas0-pthread libsentencepiece-dev
  libsqlite3-dev sqlite3 libssh2-1-dev libssl-dev nlohmann-json3-dev
  googletest libgtest-dev
  xvfb xauth fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# OpenBLAS replaces the reference BLAS (10x slower for LibTorch's matmuls) via alternatives.
readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep -q openblas ||
  echo "install-deps: warning: libblas.so.3 does not point to OpenBLAS" >&2
