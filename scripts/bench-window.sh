#!/usr/bin/env bash
# Measures the desk window (release build, maximised on a 1366×768 Xvfb screen with openbox: everything
# renders on the CPU through Mesa).
#   1. SCANS presentations of the demo cards at 60 frames a second (each card 3 frames, then a gap):
#      frame arrival → verdict drawn, with the decode and database parts; resident memory every 100.
#   2. 900 frames drawn back to back while the demo camera runs at 15 frames a second: the wall-clock
#      time of a whole frame (egui, paint, present).
#   3. Cold start: process start (noted here) → first camera frame drawn, 5 starts, existing database.
# Each for the OpenGL renderer (the default) and for wgpu (TIEPDON_RENDERER=wgpu, fewer scans).
# Prints a table. Usage: scripts/bench-window.sh [SCANS]   (default 1000)
# RENDERERS="gl" measures one renderer only; TIEPDON_BIN=PATH measures that binary instead of building
# (e.g. two builds, alternately, for an A/B comparison on one machine).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
deps_need build window realwindow
scans="${1:-1000}"
if [ -z "${TIEPDON_BIN:-}" ]; then
    cargo build --release --locked --quiet
fi
bin="${TIEPDON_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/tiepdon}"
renderers="${RENDERERS:-gl wgpu}"
work="$(mktemp -d)"
export HOME="$work" XDG_DATA_HOME="$work" XDG_CONFIG_HOME="$work"
# A 1366×768 screen (most clinic PCs) with a window manager: the window opens maximised, as at a desk.
trap 'kill ${DESKTOP_PIDS:-} 2>/dev/null; rm -rf "$work"' EXIT
start_desktop 1366x768 "$work"
run() { "$bin" window --demo --operator bench "$@"; }
for renderer in $renderers; do
    n="$scans"; [ "$renderer" = wgpu ] && n=$(( scans < 300 ? scans : 300 ))
    export TIEPDON_RENDERER="$renderer"
    run --bench-scans "$n" --metrics "$work/$renderer-scans.json"
    run --source demo --bench-frames 900 --metrics "$work/$renderer-frames.json"
    for i in 1 2 3 4 5; do
        date +%s%3N > "$work/$renderer-cold-$i.start"
        run --bench-scans 1 --metrics "$work/$renderer-cold-$i.json"
    done
done
python3 - "$work" $renderers <<'PY'
import json, sys, pathlib, statistics
work = pathlib.Path(sys.argv[1])
load = lambda name: json.loads((work / name).read_text())
print("| renderer | measure | median | p95 | max | goal |")
print("|---|---|---|---|---|---|")
for r in sys.argv[2:]:
    s, f = load(f"{r}-scans.json"), load(f"{r}-frames.json")
    cold = [load(f"{r}-cold-{i}.json")["first_frame_unix_ms"] - int((work / f"{r}-cold-{i}.start").read_text())
            for i in range(1, 6)]
    row = lambda what, t, goal="": print(f"| {r} | {what} | {t['median']:.1f} | {t['p95']:.1f} | {t['max']:.1f} | {goal} |")
    t = s["scan_to_verdict_ms"]
    row(f"frame arrival → verdict drawn, {t['n']} scans (ms)", t, "p95 ≤ 100")
    row("… frame arrival → code on the UI thread (decode) (ms)", s["scan_to_code_ms"])
    row("… frame arrival → verdict on the UI thread (+ database) (ms)", s["scan_to_look_ms"])
    t = f["frame_interval_ms"]
    row(f"whole UI frame, wall clock, {t['n']} frames, camera running (ms)", t, "p95 ≤ 16")
    row("… of which egui + paint calls (eframe's CPU count) (ms)", f["ui_frame_ms"])
    print(f"| {r} | cold start → first camera frame, 5 starts (ms) | {statistics.median(cold):.0f} | — | {max(cold):.0f} | ≤ 1500 |")
    rss = s["rss_kb"]
    print(f"| {r} | resident memory after {rss[0]['scans']} → {rss[-1]['scans']} scans (MB) | "
          f"{rss[0]['kb']/1024:.0f} → {rss[-1]['kb']/1024:.0f} | — | {max(x['kb'] for x in rss)/1024:.0f} | ≤ 250, no growth |")
    print(f"| {r} | RSS every 100 scans (MB) | " + ", ".join(f"{x['kb']/1024:.0f}" for x in rss) + " | | | |")
PY
