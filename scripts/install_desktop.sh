#!/usr/bin/env bash
# Add capdesk to this user's applications menu on Linux (freedesktop.org menus: GNOME, KDE,
# Xfce, ...). Nothing outside the user's own data folder is touched; no root needed.
#
#   bash scripts/install_desktop.sh               install (or refresh) the menu entry
#   bash scripts/install_desktop.sh --uninstall   remove it again
#   bash scripts/install_desktop.sh --exec PATH   launch PATH instead of the detected program
#
# The entry launches, in order: --exec PATH; the bundle built by scripts/build_bundle.sh
# (dist/capdesk/capdesk); the source install .venv/bin/capdesk-app (scripts/setup.sh app).
# Files: $XDG_DATA_HOME/applications/capdesk.desktop (default ~/.local/share) and the icons
# in $XDG_DATA_HOME/icons/hicolor/<size>x<size>/apps/capdesk.png and scalable/apps/capdesk.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

data_home="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data_home/applications"
icons="$data_home/icons/hicolor"
exe=""
mode="install"
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) mode="uninstall"; shift ;;
    --exec) exe="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install_desktop.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

refresh_caches() {
  # Optional helpers: menus pick the entry up without them, only a little later.
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
  command -v gtk-update-icon-cache >/dev/null && [ -f "$icons/index.theme" ] \
    && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "$mode" = "uninstall" ]; then
  rm -f "$apps/capdesk.desktop" "$icons/scalable/apps/capdesk.svg"
  for png in resources/icons/capdesk-*.png; do
    size="${png##*-}"; size="${size%.png}"
    rm -f "$icons/${size}x${size}/apps/capdesk.png"
  done
  refresh_caches
  echo "capdesk removed from the applications menu"
  exit 0
fi

if [ -z "$exe" ]; then
  for candidate in "$repo/dist/capdesk/capdesk" "$repo/.venv/bin/capdesk-app"; do
    if [ -x "$candidate" ]; then exe="$candidate"; break; fi
  done
fi
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
  echo "install_desktop.sh: nothing to launch yet. Build the bundle (bash scripts/build_bundle.sh)" \
       "or install from source (bash scripts/setup.sh app) first, or pass --exec PATH." >&2
  exit 1
fi
exe="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"
case "$exe" in
  *[\"\`\$\\%]*)
    echo "install_desktop.sh: the path $exe has characters a menu entry cannot quote;" \
         "move capdesk to a plainer folder" >&2
    exit 1 ;;
esac

mkdir -p "$apps" "$icons/scalable/apps"
for png in resources/icons/capdesk-*.png; do
  size="${png##*-}"; size="${size%.png}"
  mkdir -p "$icons/${size}x${size}/apps"
  cp "$png" "$icons/${size}x${size}/apps/capdesk.png"
done
cp resources/icons/capdesk.svg "$icons/scalable/apps/capdesk.svg"

# The entry in resources/ says "capdesk-app"; here it gets the absolute path (quoted, since
# a home folder may have spaces) so it works without anything on PATH.
tmp="$(mktemp)"
sed -e "s|^Exec=.*|Exec=\"$exe\" %F|" -e "/^Exec=/a TryExec=$exe" \
  resources/capdesk.desktop > "$tmp"
install -m 644 "$tmp" "$apps/capdesk.desktop"
rm -f "$tmp"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$apps/capdesk.desktop" | grep -v "more than one main category" >&2 || true
fi
refresh_caches
echo "capdesk added to the applications menu: $apps/capdesk.desktop -> $exe"
