#!/usr/bin/env bash
# One entry point for a fresh machine.
#   bash scripts/setup.sh app    install capdesk into .venv and launch the window
#   bash scripts/setup.sh test   install everything (train, eval, dev extras, Debian tools)
#                                and run the whole check: ruff, mypy, import contracts, pytest
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
shift || true
PYTHON="${PYTHON:-python3}"
VENV="${CAPDESK_VENV:-.venv}"

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@"; }

apt_install() {
  # Only what is missing, so a prepared machine starts in seconds.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Qt's xcb/offscreen platforms need these shared libraries on a bare Debian.
QT_LIBS=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
         libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0)

case "$mode" in
  app)
    command -v dpkg >/dev/null && apt_install "${QT_LIBS[@]}" || true
    pip install -e .
    exec "$VENV/bin/capdesk-app" "$@"
    ;;
  test)
    # AT-SPI: the screen-reader test reads the real window over the accessibility bus.
    # Fonts for the screenshots with Chinese and Arabic captions (docs/SHIPPING.md):
    # WenQuanYi Micro Hei for CJK (1.6 MB; fonts-noto-cjk is 56 MB), DejaVu Sans has Arabic.
    extra=(libimage-exiftool-perl xvfb tesseract-ocr fonts-dejavu-core fonts-wqy-microhei
           dbus dbus-x11 at-spi2-core gir1.2-atspi-2.0 python3-gi
           espeak-ng chromium)  # audio description; the video page test in a real browser
    command -v java >/dev/null || extra+=(default-jre-headless)  # METEOR and PTB tokenizer
    command -v dpkg >/dev/null && apt_install "${QT_LIBS[@]}" "${extra[@]}"
    pip install -e ".[train,eval,dev,perf,speech,cluster]"
    "$VENV/bin/ruff" check capdesk tests scripts main.py
    "$VENV/bin/mypy"
    export QT_QPA_PLATFORM=offscreen
    set +e
    "$VENV/bin/python" -m pytest "$@"
    status=$?
    set -e
    # pytest's 5 means "no tests collected": that is a failure of the suite, not a pass.
    exit $status
    ;;
  *)
    echo "usage: bash scripts/setup.sh app|test [args...]" >&2
    exit 2
    ;;
esac
