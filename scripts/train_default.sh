#!/usr/bin/env bash
# Reproduce models/default on a CPU (see docs/MODEL.md for the wall times we measured).
# models/default is an ensemble of two Show-Attend-Tell decoders, one on EfficientNet-Lite2
# features and one on EfficientNet-Lite0 features, each trained by cross-entropy and then
# fine-tuned by SCST. The two members are independent: on a machine with 4 or more cores,
# run the two blocks below at the same time.
# Features, checkpoints and logs go to $RUNS (outside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-/work/runs}
PY=${PY:-.venv/bin/python}
TRAIN=(-m capdesk.training.cli)
BOTH=("$DATA/flickr8k" "$DATA/coco_extra")

member() {  # member VARIANT RUN_DIR SCST_DIR: features + cross-entropy + SCST
  # Cross-entropy on cached CNN features (computed on first use), selected on both val
  # splits; --threads 1 was faster than 2 on the shared 2-core machine.
  $PY "${TRAIN[@]}" fit --run-dir "$2" --cache-dir "$RUNS/features" --variant "$1" \
    --train "${BOTH[@]}" --val "${BOTH[@]}" \
    --lr 5e-4 --epochs 25 --patience 3 --max-minutes 72 --threads "${THREADS:-1}"
  # Self-critical (SCST) fine-tuning of the best cross-entropy checkpoint: CIDEr-D reward,
  # 5 samples per image, leave-one-out baseline; best checkpoint kept on both val splits.
  $PY "${TRAIN[@]}" scst --init "$2/best.pt" --run-dir "$3" \
    --lr 5e-5 --samples 5 --batch-images 32 --val-every-minutes 3 --max-minutes 35 \
    --threads "${SCST_THREADS:-2}"
}

# 1. The two members.
member lite2 "$RUNS/lite2" "$RUNS/scst_lite2"
member lite0 "$RUNS/main" "$RUNS/scst"

# 2. Decoding options on the val splits (length penalty x repeat blocking), never on test.
$PY "${TRAIN[@]}" tune --checkpoint "$RUNS/scst_lite2/best.pt" "$RUNS/scst/best.pt" \
  --length-penalty 0 0.5 1

# 3. Export the ensemble (Lite2 first: its 9x9 attention gives the heatmaps) with the
#    options step 2 chose, then store it with int8 decoder weights (docs/MODEL.md compares).
$PY "${TRAIN[@]}" export --checkpoint "$RUNS/scst_lite2/best.pt" "$RUNS/scst/best.pt" \
  --out "$RUNS/ensemble_fp32" --name capdesk-sat-ensemble-lite2-lite0 \
  --length-penalty "${LENGTH_PENALTY:-0.5}" --block-repeats
$PY "${TRAIN[@]}" compress --model "$RUNS/ensemble_fp32" --out models/default --mode int8

# 4. Test metrics (Flickr8k test, beams 1/3/5), the 200-image quality-gate reference and
#    coco_extra val, all recorded into models/default/manifest.json.
$PY "${TRAIN[@]}" evaluate --model models/default --data "$DATA/flickr8k" --split test \
  --beam 1 3 5 --record --output "$RUNS/flickr8k_test.json"
$PY "${TRAIN[@]}" evaluate --model models/default --data "$DATA/flickr8k" --split test \
  --limit 200 --beam 3 --record --no-meteor
$PY "${TRAIN[@]}" evaluate --model models/default --data "$DATA/coco_extra" --split val \
  --beam 3 --record --output "$RUNS/coco_extra_val.json"

# 5. Speed: JPEG decode + encoder + beam 3, batches of 8.
$PY "${TRAIN[@]}" bench --model models/default --images 200 --batch 8 --beam 3
