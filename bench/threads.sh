#!/usr/bin/env bash
# Measures tiny-moe training throughput for combinations of torch intra-op threads and
# OpenBLAS threads, side by side in one run, to choose the defaults of train.threads and
# train.blas_threads. Usage: bench/threads.sh [STEPS] (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
runner=${R1WB_RUNNER:-build/bin/r1wb-run}
steps=${1:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-14s %-13s %12s %10s\n' torch_threads blas_threads tokens_per_s ratio
base=""
for combo in "1 1" "1 2" "2 1" "2 2"; do
  set -- $combo
  sed "s/\"train\": {/\"train\": { \"threads\": $1, \"blas_threads\": $2,/" experiments/tiny-moe.json > "$tmp/cfg.json"
  line=$("$runner" train "$tmp/cfg.json" --run-dir "$tmp/run-$1-$2" --steps "$steps" --no-stream 2>&1 | tail -n 1)
  tps=$(sed -n 's/.*, \([0-9]*\) tokens\/s$/\1/p' <<<"$line")
  [ -n "$base" ] || base=$tps
  printf '%-14s %-13s %12s %10s\n' "$1" "$2" "$tps" "$(awk -v a="$tps" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"
done
