#!/usr/bin/env bash
# Opens the tiepdon desk window (release build). With no webcam, or on a first run with no database,
# it opens in demo mode: a demo database of invented people and the demo camera frames, and the header
# says so. Arguments, if any, are passed to `tiepdon` instead (e.g. `scripts/run.sh visits`).
# On a machine with no display, the window runs on a virtual display (Xvfb); see scripts/screenshot.sh
# to look at it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build window ocr
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/tiepdon"
if [ "$#" -gt 0 ]; then
    exec "$bin" "$@"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    deps_need virtual
    echo "No display: the window opens on a virtual display (Xvfb). Close with Ctrl+C." >&2
    exec xvfb-run -a -s "-screen 0 1400x900x24" "$bin"
fi
exec "$bin"
