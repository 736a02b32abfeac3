#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (core, engine, integration, and
# the GUI under Xvfb). Screenshots of the GUI test land in build/test-output/screenshots.
# The export tests check GGUF files with a real llama.cpp (npm's node-llama-cpp, pinned,
# installed into build/test-deps by scripts/install-test-consumers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/install-test-consumers.sh build/test-deps
ctest --test-dir build --output-on-failure -j 2 "$@"
