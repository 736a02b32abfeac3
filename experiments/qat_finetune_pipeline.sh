#!/usr/bin/env bash
# Quantization-aware fine-tuning against rounding, as torchao measures QAT: a float model
# (experiments/qat-code-base.json: a byte-level LM on libstdc++'s headers, every 8th file held
# out) is fine-tuned three ways with the same steps and batches: in float (qat-code-finetune,
# the control), with int4-g32 fake quantization (qat-code-int4) and with learned steps
# (qat-code-lsq). PTQ rounds the control to int4-g32; each QAT run is evaluated as it trained;
# recovered = (PTQ - QAT) / (PTQ - control), on the held-out headers' first 131,072 bytes.
#   experiments/qat_finetune_pipeline.sh OUT_DIR [SEED...]      (default seed 0)
# Each SEED trains a base of its own; ORDERS (default 1234, the presets' data.seed) lists the
# batch orders each base is fine-tuned in (QatRecovers averages 1234, 1 and 2 of seed 0).
# BASE_STEPS and FT_STEPS (default 600 and 150) set the lengths. Two runs at a time (one
# thread each); runs already in OUT_DIR are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/qat_finetune_pipeline.sh OUT_DIR [SEED...]}"
shift
seeds=("${@:-0}")
base_steps="${BASE_STEPS:-600}" ft_steps="${FT_STEPS:-150}"
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
mkdir -p "$out/corpus/train" "$out/corpus/heldout" && cd "$out"
i=0
for f in /usr/include/c++/12/bits/*.h; do
  if [ $((i % 8)) -eq 3 ]; then ln -sf "$f" corpus/heldout/; else ln -sf "$f" corpus/train/; fi
  i=$((i + 1))
done
# The preset with this seed, these lengths, batch order $3 and this seed's base as its parent.
config() {
  sed -e "s/\"threads\": 1/\"threads\": 1, \"seed\": $2/" -e "s/\"run\": \"qat-code-base\"/\"run\": \"qat-code-base-s$2\"/" \
      -e "s/\"task\": \"text\",/\"task\": \"text\", \"seed\": $3,/" \
      -e "s/\"steps\": 600,/\"steps\": $base_steps,/" -e "s/\"checkpoint_every\": 600/\"checkpoint_every\": $base_steps/" \
      -e "s/\"steps\": 150,/\"steps\": $ft_steps,/" -e "s/\"checkpoint_every\": 150/\"checkpoint_every\": $ft_steps/" \
      "$here/experiments/$1.json" > "$4.json"
}
train() {
  [ -f "$1.done" ] && return
  "$runner" train "$1.json" --run-dir "$1" --no-stream 2> "$1.log"
  touch "$1.done"
}
loss() {
  "$runner" perplexity "$@" --corpus corpus/heldout --tokens 131072 --json | sed 's/.*"loss":\([0-9.e-]*\).*/\1/'
}
for s in "${seeds[@]}"; do
  config qat-code-base "$s" 1234 "qat-code-base-s$s"
  train "qat-code-base-s$s"
  for o in ${ORDERS:-1234}; do
    for p in qat-code-finetune qat-code-int4 qat-code-lsq; do config "$p" "$s" "$o" "$p-s$s-o$o"; done
    train "qat-code-finetune-s$s-o$o" & train "qat-code-int4-s$s-o$o" & wait
    train "qat-code-lsq-s$s-o$o"
    float=$(loss "qat-code-finetune-s$s-o$o")
    ptq=$(loss "qat-code-finetune-s$s-o$o" --quant int4 --quant-group 32)
    qat=$(loss "qat-code-int4-s$s-o$o")
    lsq=$(loss "qat-code-lsq-s$s-o$o")
    awk -v s="$s" -v o="$o" -v f="$float" -v p="$ptq" -v q="$qat" -v l="$lsq" 'BEGIN {
      printf "seed %s, order %s: control %.4f  int4-g32 PTQ %.4f  QAT %.4f (recovered %.0f %%)  LSQ %.4f (recovered %.0f %%)\n",
             s, o, f, p, q, 100 * (p - q) / (p - f), l, 100 * (p - l) / (p - f) }'
  done
done
