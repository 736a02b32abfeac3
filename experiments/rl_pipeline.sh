#!/usr/bin/env bash
# The RL pipeline in miniature: pretrain rl-base, then GRPO from it (experiments/rl-grpo.json,
# or the rl preset given as $2), and held-out accuracy before and after, both evaluated as the
# preset evaluates (its task, difficulties, prompts, k and seed: `eval --as`; the base at the
# checkpoint the preset starts from, its init.step).
#   experiments/rl_pipeline.sh OUT_DIR [RL_PRESET.json]
# Runs go to OUT_DIR/rl-base and OUT_DIR/<preset name>; the store OUT_DIR/workbench.db holds
# both (open it in the app: File > Open store). The base is reused when OUT_DIR has it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/rl_pipeline.sh OUT_DIR [RL_PRESET.json]}"
preset="$(realpath "${2:-$here/experiments/rl-grpo.json}")"
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
mkdir -p "$out" && cd "$out"
name="$(basename "$preset" .json)"
start=$(date +%s)
[ -d rl-base/checkpoints ] || "$runner" train "$here/experiments/rl-base.json" --run-dir rl-base --store workbench.db --no-stream
from="$(grep -o '"init": *{[^}]*}' "$preset" | grep -o '"step": *[0-9]*' | grep -o '[0-9]*$' || true)"
echo "== base${from:+ at step $from}, held-out, as $name evaluates:"
"$runner" eval rl-base ${from:+--step "$from"} --as "$preset"
rl_start=$(date +%s)
"$runner" train "$preset" --run-dir "$name" --store workbench.db --no-stream
echo "== $name, held-out:"
"$runner" eval "$name"
echo "== RL took $(( $(date +%s) - rl_start )) s; the whole pipeline $(( $(date +%s) - start )) s"
