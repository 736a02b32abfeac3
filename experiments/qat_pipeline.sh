#!/usr/bin/env bash
# Quantization-aware training against post-training quantization, on held-out text: a byte-level
# LM on 13 license texts every Debian has (/usr/share/common-licenses; MPL-2.0 held out), the
# float run (experiments/qat-text-float.json) and the same run trained with fake quantization
# from step 600 (qat-text-int8, -int4, -8da4w.json); then the held-out loss (`r1wb-run
# perplexity`) of the float model, of its PTQ on each grid, and of each QAT run on its grid, and
# the share of the PTQ gap QAT recovers: (PTQ - QAT) / (PTQ - float).
#   experiments/qat_pipeline.sh OUT_DIR
# Two runs at a time (one thread each); runs already in OUT_DIR are reused.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: experiments/qat_pipeline.sh OUT_DIR}"
runner="${R1WB_RUN:-$here/build/bin/r1wb-run}"
mkdir -p "$out/corpus/train" "$out/corpus/heldout" && cd "$out"
for f in Apache-2.0 Artistic BSD CC0-1.0 GFDL-1.2 GFDL-1.3 GPL-1 GPL-2 GPL-3 LGPL-2 LGPL-2.1 LGPL-3 MPL-1.1; do
  ln -sf "/usr/share/common-licenses/$f" "corpus/train/$f"
done
ln -sf /usr/share/common-licenses/MPL-2.0 corpus/heldout/MPL-2.0
train() {
  [ -f "$1.done" ] && return
  "$runner" train "$here/experiments/$1.json" --run-dir "$1" --store workbench.db --no-stream 2> "$1.log"
  touch "$1.done"
}
train qat-text-float & train qat-text-int4 & wait
train qat-text-8da4w & train qat-text-int8 & wait
loss() { "$runner" perplexity "$@" --corpus corpus/heldout --json | sed 's/.*"loss":\([0-9.e-]*\).*/\1/'; }
float=$(loss qat-text-float)
echo "held-out loss (nats per byte, MPL-2.0, 16,726 tokens): float $float"
for grid in int8 int4 8da4w; do
  case $grid in
    int8) q=(--quant int8) ;;
    int4) q=(--quant int4 --quant-group 32) ;;
    8da4w) q=(--quant int4 --quant-group 32 --quant-acts int8) ;;
  esac
  ptq=$(loss qat-text-float "${q[@]}")
  qat=$(loss "qat-text-$grid")
  awk -v g="$grid" -v f="$float" -v p="$ptq" -v q="$qat" 'BEGIN {
    printf "%-6s PTQ %.5f (gap %+.5f)  QAT %.5f  recovered %s\n", g, p, p - f, q,
           (p - f > 1e-4) ? sprintf("%.0f %%", 100 * (p - q) / (p - f)) : "(no gap to recover)" }'
done
