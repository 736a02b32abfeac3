#!/usr/bin/env bash
# The engine against the same model written in PyTorch Python (Debian's python3-torch, the
# same LibTorch 1.13), side by side in one run, with each experiment's own thread settings
# in both (train.threads torch intra-op threads and train.blas_threads OpenBLAS threads; 0
# means every core). Prints tokens/s and their ratio, achieved model FLOP/s against a 1024^3
# sgemm measured in the same process with OpenBLAS on every core (the machine's limit), and
# the MoE step time against its dense twin with equal active parameters.
# Usage: bench/compare.sh [STEPS] (default 20). Needs build/bin/r1wb-run and python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
runner=${R1WB_RUNNER:-build/bin/r1wb-run}
steps=${1:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "compare.sh: needs Debian's python3-torch (apt-get install python3-torch)" >&2; exit 2; }

printf '%-18s %8s %12s %12s %7s %12s %12s %9s %9s\n' config threads r1wb_tok/s python_tok/s ratio model_GF/s sgemm_GF/s of_sgemm step_ms
for name in tiny-moe bench-moe-small bench-dense-small; do
  "$runner" validate "experiments/$name.json" --print > "$tmp/$name.json"
  read -r threads blas < <(python3 -c 'import json,sys,os; t=json.load(open(sys.argv[1]))["train"]; n=os.cpu_count(); print(t["threads"] or n, t["blas_threads"] or n)' "$tmp/$name.json")
  "$runner" bench "experiments/$name.json" --steps "$steps" --threads "$threads" --blas-threads "$blas" --json > "$tmp/$name.cpp"
  OPENBLAS_NUM_THREADS=$blas /usr/bin/python3 bench/pytorch_reference.py "$tmp/$name.json" --steps "$steps" --threads "$threads" > "$tmp/$name.py"
  python3 - "$name" "$tmp/$name.cpp" "$tmp/$name.py" "$threads/$blas" <<'PY'
import json, sys
name, c, p = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print(f"{name:<18} {sys.argv[4]:>8} {c['tokens_per_s']:12.0f} {p['tokens_per_s']:12.0f} {c['tokens_per_s'] / p['tokens_per_s']:6.2f}x "
      f"{c['model_flops_per_s'] / 1e9:12.2f} {c['sgemm_all_cores_flops_per_s'] / 1e9:12.2f} "
      f"{100 * c['model_flops_per_s'] / c['sgemm_all_cores_flops_per_s']:8.1f}% {c['step_ms']:9.1f}")
PY
done
python3 - "$tmp/bench-moe-small.cpp" "$tmp/bench-dense-small.cpp" <<'PY'
import json, sys
moe, dense = (json.load(open(f)) for f in sys.argv[1:])
print(f"MoE / dense step time (equal active params {moe['active_params']} vs {dense['active_params']}): "
      f"{moe['step_ms'] / dense['step_ms']:.2f}x")
PY
