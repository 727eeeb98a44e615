#!/usr/bin/env bash
# Build the one-folder desktop bundle with PyInstaller (capdesk.spec) and self-test it.
#
#   bash scripts/build_bundle.sh [--dist DIR] [--work DIR] [--model DIR] [--no-test]
#
# Output: DIR/capdesk/capdesk (capdesk.exe on Windows, capdesk.app on macOS); default dist/.
# The model bundled as models/default is, in order: --model DIR, models/default/ when it is
# complete, else the random-weights tiny test model (tests/support/tiny_model.py, needs the
# onnx package from the dev extra) built into a temporary folder, so CI can build and
# self-test a bundle on a checkout that has no trained model. A bundle built that way
# captions nonsense: ship only bundles built with a real model.
#
# Exit status: 0 built (and self-test passed), 3 PyInstaller is not installed, other: failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  for candidate in .venv/bin/python .venv/Scripts/python.exe; do  # Linux/macOS, Windows
    if [ -x "$candidate" ]; then PYTHON="$candidate"; break; fi
  done
fi
dist="dist"
work="build"
model=""
run_test=1
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --no-test) run_test=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build_bundle.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "build_bundle.sh: PyInstaller is not installed in $PYTHON" \
       "(pip install -e '.[dev]' or pip install pyinstaller)" >&2
  exit 3
fi

complete_model() {
  local dir="$1"
  for f in encoder.onnx decoder_step.onnx vocab.json manifest.json; do
    [ -f "$dir/$f" ] || return 1
  done
}

tmp_model=""
cleanup() { [ -z "$tmp_model" ] || rm -rf "$tmp_model"; }
trap cleanup EXIT

if [ -n "$model" ]; then
  complete_model "$model" || { echo "build_bundle.sh: $model is not a model folder" >&2; exit 2; }
elif complete_model models/default; then
  model="models/default"
else
  tmp_model="$(mktemp -d)"
  model="$tmp_model/default"
  echo "build_bundle.sh: no models/default here; bundling the tiny random-weights test model" >&2
  "$PYTHON" -c "import sys; from pathlib import Path; sys.path.insert(0, '.');
from tests.support.tiny_model import build_tiny_model; build_tiny_model(Path(sys.argv[1]))" \
    "$model"
fi
export CAPDESK_BUNDLE_MODEL_DIR
CAPDESK_BUNDLE_MODEL_DIR="$(cd "$model" && pwd)"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$dist" --workpath "$work" capdesk.spec
echo "build_bundle.sh: built $dist/capdesk in $(( $(date +%s) - started )) s," \
     "$(du -sh "$dist/capdesk" | cut -f1) (model: $model)" >&2

if [ "$run_test" -eq 1 ]; then
  case "$(uname -s)" in
    Darwin) exe="$dist/capdesk.app/Contents/MacOS/capdesk" ;;
    MINGW*|MSYS*|CYGWIN*) exe="$dist/capdesk/capdesk.exe" ;;
    *) exe="$dist/capdesk/capdesk" ;;
  esac
  report="$work/selftest.json"
  checks=()
  if ! "$PYTHON" -c "import pyexiv2" 2>/dev/null; then
    echo "build_bundle.sh: WARNING pyexiv2 is not installed: this bundle cannot write alt" \
         "text into images" >&2
    checks+=(--skip-alt-text)
  fi
  # CAPDESK_MODEL_DIR would override the bundled model: the test is of the bundle alone.
  env -u CAPDESK_MODEL_DIR QT_QPA_PLATFORM=offscreen \
    "$exe" --self-test --output "$report" ${checks[@]+"${checks[@]}"}  # bash 3.2-safe
  echo "build_bundle.sh: self-test passed ($report)" >&2
fi
