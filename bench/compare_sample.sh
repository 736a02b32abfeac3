#!/usr/bin/env bash
# The engine's sampler against the same model sampled with a KV cache in PyTorch Python eager
# (bench/pytorch_sampler.py; Debian's python3-torch, the same LibTorch 1.13), side by side in
# one run with the same threads: B completions of N new tokens, best of R, each side run
# ROUNDS times alternately so drift on a shared machine hits both. Prints tokens/s of the
# engine with the cache, without it (recomputing every token), and of PyTorch, with the ratios.
# Usage: bench/compare_sample.sh [CONFIG] [BATCH] [NEW_TOKENS] [ROUNDS] (defaults tiny-moe 16 256 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runner=${R1WB_RUNNER:-build/bin/r1wb-run}
config=${1:-experiments/tiny-moe.json}
batch=${2:-16}
new=${3:-256}
rounds=${4:-3}
threads=${THREADS:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "compare_sample.sh: needs Debian's python3-torch (apt-get install python3-torch)" >&2; exit 2; }
"$runner" validate "$config" --print > "$tmp/config.json"
prompt=$("$runner" bench "$config" --mode sample --batch 1 --new-tokens 1 --repeats 1 --no-recompute --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["prompt_tokens"])')
"$runner" bench "$config" --mode sample --batch "$batch" --new-tokens "$new" --repeats 1 --threads "$threads" --json > "$tmp/recompute.json"
for r in $(seq "$rounds"); do
  "$runner" bench "$config" --mode sample --batch "$batch" --new-tokens "$new" --threads "$threads" --no-recompute --json >> "$tmp/engine.json"
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_sampler.py "$tmp/config.json" --batch "$batch" --new-tokens "$new" \
    --prompt-tokens "$prompt" --threads "$threads" >> "$tmp/python.json"
done
python3 - "$tmp" "$config" "$threads" <<'PY'
import json, sys
tmp, config, threads = sys.argv[1:]
rows = lambda f: [json.loads(l) for l in open(f"{tmp}/{f}.json") if l.strip()]
eng = max(r["cached_tokens_per_s"] for r in rows("engine"))
py = max(r["tokens_per_s"] for r in rows("python"))
rec = rows("recompute")[0]
print(f"{config}: batch {rec['batch']}, {rec['new_tokens']} new tokens after a {rec['prompt_tokens']}-token prompt, {threads} thread(s), best of each side")
print(f"  engine, KV cache        {eng:10.0f} tokens/s")
print(f"  engine, recomputing     {rec['recomputed_tokens_per_s']:10.0f} tokens/s   cache {eng / rec['recomputed_tokens_per_s']:.1f}x faster")
print(f"  PyTorch eager, KV cache {py:10.0f} tokens/s   engine {eng / py:.2f}x PyTorch")
PY
