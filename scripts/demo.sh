#!/usr/bin/env bash
# The main job: install what is missing, build, and open the workbench on the demo
# experiment. Without a display it trains the same experiment headless with a progress line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
experiment=experiments/tiny-moe.json
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/bin/r1wb --experiment "$experiment" "$@"
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}/r1wb"
run_dir="$data/runs/tiny-moe-headless-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$data"
echo "no display: training $experiment headless in $run_dir (store $data/workbench.db)"
exec build/bin/r1wb-run train "$experiment" --run-dir "$run_dir" --store "$data/workbench.db" --no-stream "$@"
