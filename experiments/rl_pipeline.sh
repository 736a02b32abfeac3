#!/usr/bin/env bash
# The RL pipeline in miniature: pretrain the base an RL preset starts from (its init.run names
# a preset here: rl-base for experiments/rl-grpo.json, the default, and rl-ppo.json;
# countdown-base for countdown-grpo.json), then the RL preset from it, and held-out accuracy
# before and after, both evaluated as the preset evaluates (its task, difficulties, prompts, k
# and seed: `eval --as`; the base at the checkpoint the preset starts from, its init.step).
#   experiments/rl_pipeline.sh OUT_DIR [RL_PRESET.json]
# Runs go to OUT_DIR/<base> and OUT_DIR/<preset name>; the store OUT_DIR/workbench.db holds
# both (open it in the app: File > Open store). The base is reused when OUT_DIR has it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/rl_pipeline.sh OUT_DIR [RL_PRESET.json]}"
preset="$(realpath "${2:-$here/experiments/rl-grpo.json}")"
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
init="$(grep -o '"init": *{[^}]*}' "$preset" || true)"
base="$(grep -o '"run": *"[^"]*"' <<<"$init" | sed 's/.*"\([^"]*\)"$/\1/' || true)"
from="$(grep -o '"step": *[0-9]*' <<<"$init" | grep -o '[0-9]*$' || true)"
[ -n "$base" ] && [ -f "$here/experiments/$base.json" ] ||
  { echo "rl_pipeline.sh: $preset: init.run '$base' is not a preset in experiments/" >&2; exit 2; }
mkdir -p "$out" && cd "$out"
name="$(basename "$preset" .json)"
start=$(date +%s)
[ -d "$base/checkpoints" ] ||
  "$runner" train "$here/experiments/$base.json" --run-dir "$base" --store workbench.db --no-stream
echo "== $base${from:+ at step $from}, held-out, as $name evaluates:"
"$runner" eval "$base" ${from:+--step "$from"} --as "$preset"
rl_start=$(date +%s)
"$runner" train "$preset" --run-dir "$name" --store workbench.db --no-stream
echo "== $name, held-out:"
"$runner" eval "$name"
echo "== RL took $(( $(date +%s) - rl_start )) s; the whole pipeline $(( $(date +%s) - start )) s"
