#!/usr/bin/env bash
# Takes the README's screenshots: runs the release window maximised on a 1366×768 virtual screen (Xvfb
# with the openbox window manager, as on most clinic PCs) in demo mode (a fresh demo database), checks
# three demo patients in, and saves the check-in screen after a scan and the Today screen as PNGs into
# assets/screenshots/ (or the folder given).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build window realwindow ocr
out="${1:-assets/screenshots}"
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/tiepdon"
home="$(mktemp -d)"
mkdir -p "$out"
trap 'kill ${DESKTOP_PIDS:-} 2>/dev/null; rm -rf "$home"' EXIT
start_desktop 1366x768 "$home"
HOME="$home" XDG_DATA_HOME="$home" XDG_CONFIG_HOME="$home" timeout 180 \
    "$bin" window --demo --operator "Nguyễn Thị Lan" --screenshots "$out"
ls -l "$out"/checkin.png "$out"/today.png
