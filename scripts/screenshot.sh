#!/usr/bin/env bash
# Takes the README's screenshots: runs the release window under Xvfb in demo mode (a fresh demo
# database), checks three demo patients in, and saves the check-in screen after a scan and the Today
# screen as PNGs into assets/screenshots/ (or the folder given).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build window virtual
out="${1:-assets/screenshots}"
cargo build --release --locked --quiet
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
mkdir -p "$out"
XDG_DATA_HOME="$home" XDG_CONFIG_HOME="$home" timeout 180 \
    xvfb-run -a -s "-screen 0 1280x800x24" \
    target/release/tiepdon window --demo --operator "Nguyễn Thị Lan" --screenshots "$out"
ls -l "$out"/checkin.png "$out"/today.png
