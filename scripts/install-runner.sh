#!/usr/bin/env bash
# Builds and installs the runner on a GPU node: r1wb-run (with its SentencePiece plugin) and
# r1wb-ctl into PREFIX/bin (default ~/.local), without the GUI or the tests. Run it on the node,
# in a checkout of the same release as the app (a probe says when the protocols differ).
# LibTorch: Debian's libtorch-dev by default, or LIBTORCH=<its CMake prefix> for a 2.x CUDA
# build, e.g. LIBTORCH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)').
#   scripts/install-runner.sh [PREFIX]
# Then: r1wb-ctl hosts add NAME ... --runner PREFIX/bin/r1wb-run, and hosts probe NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-$HOME/.local}"
args=(-DR1WB_BUILD_GUI=OFF -DR1WB_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX="$prefix")
[ -n "${LIBTORCH:-}" ] && args+=(-DCMAKE_PREFIX_PATH="$LIBTORCH")
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-runner "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "${args[@]}"
cmake --build build-runner -j "$(nproc)" --target r1wb-run r1wb-ctl
cmake --install build-runner
echo "install-runner: installed $prefix/bin/r1wb-run; give it to the host as --runner $prefix/bin/r1wb-run"
"$prefix/bin/r1wb-run" version
