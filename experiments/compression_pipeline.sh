#!/usr/bin/env bash
# One lineage compressed four ways, measured side by side: the teacher of the distillation
# presets (experiments/distill-teacher.json) as float, post-training quantized to int8,
# int4-g32, 8da4w and q4_0, and factorised to rank 32; its float fine-tune (compress-finetune.json,
# the control) and its QAT fine-tune of the same steps (compress-qat.json); its experts pruned to
# half their width with that fine-tune as the recovery (compress-pruned.json); and the distilled
# student (distill-logits.json). Each is measured by `r1wb-run compress-report` on the teacher's held-out
# prompts (--as), and the tables are printed; the store OUT_DIR/workbench.db holds the runs, so
# Run > Compare compression on the teacher shows the same in the app.
#   experiments/compression_pipeline.sh OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/compression_pipeline.sh OUT_DIR}"
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
mkdir -p "$out" && cd "$out"
source "$here/experiments/train_once.sh"  # train PRESET: into OUT_DIR/<its name>, once
runs=(distill-teacher compress-finetune compress-qat compress-pruned distill-logits)
for p in "${runs[@]}"; do train "$here/experiments/$p.json"; done
for run in "${runs[@]}"; do
  echo "== $run"
  "$runner" compress-report "$run" --as distill-teacher/config.json --grids int8,int4,8da4w,q4_0,lr32 --n 512
done
