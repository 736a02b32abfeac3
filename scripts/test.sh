#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (core, engine, integration, and
# the GUI under Xvfb). Screenshots of the GUI test land in build/test-output/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j 2 "$@"
