#!/usr/bin/env bash
# Configures and builds everything (Release) into build/. Extra arguments go to CMake,
# e.g. -DCMAKE_PREFIX_PATH=<libtorch 2.x> or -DR1WB_BUILD_GUI=OFF on a headless node.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)"
