#!/usr/bin/env bash
# Measures the desk window (release build, under Xvfb, rendering on the CPU through Mesa):
#   - frame arrival to verdict drawn, over SCANS demo presentations (default 1000; the demo frames at
#     60 frames a second, each card 3 frames, then a gap);
#   - UI frame CPU time while the camera runs (eframe's own measure of each frame);
#   - resident memory every 100 scans;
#   - cold start: process start (noted by this script) to the first camera frame drawn, over 5 starts
#     on an existing database.
# Prints a table. Usage: scripts/bench-window.sh [SCANS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build window virtual
scans="${1:-1000}"
cargo build --release --locked --quiet
bin="$PWD/target/release/tiepdon"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work" XDG_CONFIG_HOME="$work"
Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
export DISPLAY=:77
"$bin" window --demo --operator bench --bench-scans "$scans" --metrics "$work/run.json"
for i in 1 2 3 4 5; do
    start=$(date +%s%3N)
    "$bin" window --demo --operator bench --bench-scans 1 --metrics "$work/cold-$i.json"
    echo "$start" > "$work/cold-$i.start"
done
python3 - "$work" "$scans" <<'PY'
import json, sys, pathlib, statistics
work, scans = pathlib.Path(sys.argv[1]), sys.argv[2]
run = json.loads((work / "run.json").read_text())
cold = []
for i in range(1, 6):
    m = json.loads((work / f"cold-{i}.json").read_text())
    start = int((work / f"cold-{i}.start").read_text())
    cold.append(m["first_frame_unix_ms"] - start)
s, u = run["scan_to_verdict_ms"], run["ui_frame_ms"]
rss = run["rss_kb"]
print(f"| measure | median | p95 | max | goal |")
print(f"|---|---|---|---|---|")
print(f"| frame arrival → verdict drawn, {s['n']} scans (ms) | {s['median']:.1f} | {s['p95']:.1f} | {s['max']:.1f} | p95 ≤ 100 |")
print(f"| UI frame CPU time, {u['n']} frames (ms) | {u['median']:.2f} | {u['p95']:.2f} | {u['max']:.2f} | p95 ≤ 16 |")
print(f"| cold start → first camera frame, 5 starts (ms) | {statistics.median(cold):.0f} | — | {max(cold):.0f} | ≤ 1500 |")
first, last = rss[0], rss[-1]
print(f"| resident memory after {first['scans']} / {last['scans']} scans (MB) | {first['kb']/1024:.0f} → {last['kb']/1024:.0f} | — | {max(r['kb'] for r in rss)/1024:.0f} | ≤ 250, no growth |")
print()
print("RSS every 100 scans (MB): " + ", ".join(f"{r['kb']/1024:.0f}" for r in rss))
PY
