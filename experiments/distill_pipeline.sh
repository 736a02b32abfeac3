#!/usr/bin/env bash
# Distillation in miniature: pretrain the teacher (experiments/distill-teacher.json), train the
# student from scratch (distill-scratch.json: the baseline) and distilled (distill-logits.json:
# forward KL to the teacher's logits; distill-r1.json: SFT on the teacher's verified samples,
# R1's way), each with the same steps and batches, then print every run's held-out accuracy
# and loss on the same prompts and random numbers (`eval --as` the baseline).
#   experiments/distill_pipeline.sh OUT_DIR [PRESET.json ...]
# Runs go to OUT_DIR/<preset name>; the store OUT_DIR/workbench.db holds them (open it in the
# app: File > Open store). Runs already in OUT_DIR are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/distill_pipeline.sh OUT_DIR [PRESET.json ...]}"
shift
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=("$here/experiments/distill-scratch.json" "$here/experiments/distill-logits.json"
                                     "$here/experiments/distill-r1.json")
for i in "${!presets[@]}"; do presets[$i]="$(realpath "${presets[$i]}")"; done
mkdir -p "$out" && cd "$out"
source "$here/experiments/train_once.sh"  # train PRESET: into OUT_DIR/<its name>, once
train "$here/experiments/distill-teacher.json"
for p in "${presets[@]}"; do train "$p"; done
echo "== held-out, as distill-scratch evaluates (the same 512 prompts x 4 samples):"
for run in distill-teacher "${presets[@]}"; do
  "$runner" eval "$(basename "$run" .json)" --as "$here/experiments/distill-scratch.json" | tail -1 |
    sed "s|^|$(basename "$run" .json): |"
done
