#!/usr/bin/env bash
# Runs tiepdon's main job. Until the desk window lands, that is the command-line desk: a demo database
# (invented people, labelled demo) is created when none exists, the QR codes of the demo camera frames
# are read and checked in, then the sample typed cards, and the day's visits are listed. Arguments, if
# any, are passed to `tiepdon` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
cargo build --release --quiet
bin=target/release/tiepdon
if [ "$#" -gt 0 ]; then
    exec "$bin" "$@"
fi
db="${TIEPDON_DB:-${XDG_DATA_HOME:-$HOME/.local/share}/tiepdon/demo.db}"
if [ ! -e "$db" ]; then
    "$bin" --db "$db" demo-data --cards 500 >/dev/null
    echo "Demo database (dữ liệu demo, not real patients): $db" >&2
fi
# The demo camera frames: read each QR, check the patient in (a second run shows the repeat guard).
"$bin" scan --payloads assets/demo | "$bin" --db "$db" checkin --stdin --operator demo || true
# Typed and pasted inputs: an expired card, a VssID card, a typo…
"$bin" --db "$db" checkin --stdin --operator demo < assets/samples/payloads.txt || true
"$bin" --db "$db" visits
